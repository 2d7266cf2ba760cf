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
import { defaultMemoryLimitBytes, MB, WORKING_BUDGET_BYTES } from './memoryEstimate';
import type { AnalyzeOptions } from './options';

export interface DataShape {
  nTrain: number;
  nTest: number;
  numClasses: number;
}

export function exactMemoryLimitBytes(options: Pick<AnalyzeOptions, 'maxMemoryMB' | 'maxSamples'>): number {
  if (options.maxMemoryMB !== undefined) return options.maxMemoryMB * MB;
  const total = defaultMemoryLimitBytes(os.totalmem());
  // At default options the run is held to the working budget (validateRun.ts, usesWorkingBudget): a head factored
  // against the whole machine's share was then refused by that check (MNIST 10k, logreg on the 784 pixels: 2.6 GB).
  return options.maxSamples === undefined ? Math.min(total, WORKING_BUDGET_BYTES) : total;
}

export function resolveMaxExactParameters(
  options: Pick<AnalyzeOptions, 'maxExactParameters' | 'maxMemoryMB' | 'maxSamples'>,
  data: DataShape,
): number {
  return options.maxExactParameters ?? affordableExactParameters(data, exactMemoryLimitBytes(options));
}
