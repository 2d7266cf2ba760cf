/**
 * The largest head `auto` (and the fit) factors for exact influence: the
 * user's --max-exact-parameters when given, any head when --method exact asks
 * for it, else predicted from the data's shape (head/exactCost.ts) — no longer
 * a fixed 4000 parameters. Deterministic for a given dataset, options and
 * machine (the memory limit is a share of the total memory, not of what
 * happens to be free), because it is part of the fit's settings and so of the
 * key its saved file is found by.
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

/**
 * `heads`: the last layers this run may factor (parameters; the model, and the one `auto` cross-fits beside it).
 * Asked for by name, exact is not held to auto's time budget and half of the memory: every one of them is factored,
 * and the run's memory estimate (validateRun.ts, which counts the head's matrices) is its only gate, refusing before
 * training with the way out. Before, such a head was left unfactored and the run ended in an internal error after
 * training. The limit is auto's whenever it already covers them, so a fit saved by an auto run serves exact too.
 */
export function resolveMaxExactParameters(
  options: Pick<AnalyzeOptions, 'maxExactParameters' | 'maxMemoryMB' | 'maxSamples' | 'method'>,
  data: DataShape,
  heads: readonly number[] = [],
): number {
  if (options.maxExactParameters !== undefined) return options.maxExactParameters;
  const auto = affordableExactParameters(data, exactMemoryLimitBytes(options));
  return options.method === 'exact' ? Math.max(auto, ...heads) : auto;
}
