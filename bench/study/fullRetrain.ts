/**
 * Full-network retraining for the study's ground truth: the engine's
 * retrainFullNetwork (src/compute/reliability/retrain.ts) — the objective
 * R(θ) = Σ_{i ∈ kept} CE_i(θ) + (λ/2)‖θ‖² summed in Float64, full-batch
 * L-BFGS warm-started from `start` — timed, plus the flat-θ helper the
 * study needs. One implementation: what the study measures is what
 * `--verify` and `--converge` run.
 */
import { createFullObjective } from '../../src/compute/models/train';
import type { TrainedNetwork, TrainingData } from '../../src/compute/models/types';
import {
  type FullRetrainOptions,
  type FullRetrainResult,
  retrainFullNetwork,
} from '../../src/compute/reliability/retrain';

/** The engine's options, with the budget and tolerance required (the study states both). */
export type RetrainOptions = FullRetrainOptions &
  Required<Pick<FullRetrainOptions, 'maxIterations' | 'meanGradTolerance'>>;

export type RetrainResult = FullRetrainResult & { seconds: number };

/** θ flat (engine layout: body in forward order, head kernel, head bias). */
export function flatParameters(net: TrainedNetwork, data: TrainingData): Float64Array {
  const objective = createFullObjective(net, {
    ...data,
    n: 1,
    x: data.x.subarray(0, data.dims),
    y: data.y.subarray(0, 1),
  });
  try {
    return Float64Array.from(objective.flatten());
  } finally {
    objective.dispose();
  }
}

export function retrainFull(
  start: TrainedNetwork,
  data: TrainingData,
  l2: number,
  removed: ReadonlySet<number>,
  options: RetrainOptions,
): RetrainResult {
  const t0 = performance.now();
  // 'wolfe' unless told otherwise, as before this moved into the engine (whose default is 'armijo').
  const r = retrainFullNetwork(start, data, l2, removed, { ...options, optimizer: options.optimizer ?? 'wolfe' });
  return { ...r, seconds: (performance.now() - t0) / 1000 };
}
