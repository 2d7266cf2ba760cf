/**
 * The largest head `auto` (and the fit) factors for exact influence: the
 * user's --max-exact-params when given, else predicted from the data's shape
 * (head/exactCost.ts) — no longer a fixed 4000 parameters. Deterministic for a
 * given dataset, options and machine (the memory limit is a share of the total
 * memory, not of what happens to be free), because it is part of the fit's
 * settings and so of the key its saved file is found by.
 */
import os from 'node:os';
import { affordableExactParameters } from '../head/exactCost';
import { defaultMemoryLimitBytes, MB } from './memoryEstimate';
import type { AnalyzeOptions } from './options';

export interface DataShape {
  nTrain: number;
  nTest: number;
  numClasses: number;
}

export function exactMemoryLimitBytes(options: Pick<AnalyzeOptions, 'maxMemoryMB'>): number {
  return options.maxMemoryMB !== undefined ? options.maxMemoryMB * MB : defaultMemoryLimitBytes(os.totalmem());
}

export function resolveMaxExactParameters(
  options: Pick<AnalyzeOptions, 'maxExactParameters' | 'maxMemoryMB'>,
  data: DataShape,
): number {
  return options.maxExactParameters ?? affordableExactParameters(data, exactMemoryLimitBytes(options));
}
