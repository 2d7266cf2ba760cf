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
import { retrainFullNetwork } from '../../src/compute/reliability/retrain';

export interface RetrainOptions {
  /** Total L-BFGS iterations (over all restarts for 'armijo'). */
  maxIterations: number;
  /** Stop when ‖∇R‖ / n_kept ≤ this. */
  meanGradTolerance: number;
  /** 'wolfe' (default): weak Wolfe line search; 'armijo': the engine's minimizeLbfgs with restarts. */
  optimizer?: 'wolfe' | 'armijo';
  /** wolfe: stop when the objective improved by less than this (relative) over 50 iterations. */
  relativeStall?: number;
}

export interface RetrainResult {
  net: TrainedNetwork;
  meanGradNorm: number;
  iterations: number;
  restarts: number;
  objective: number;
  stop: string;
  seconds: number;
}

/** θ flat (engine layout: body in forward order, head kernel, head bias). */
export function flatParameters(net: TrainedNetwork, data: TrainingData): Float64Array {
  const objective = createFullObjective(net, { ...data, n: 1, x: data.x.subarray(0, data.dims), y: data.y.subarray(0, 1) });
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
  const r = retrainFullNetwork(start, data, l2, removed, {
    maxIterations: options.maxIterations,
    meanGradTolerance: options.meanGradTolerance,
    optimizer: options.optimizer ?? 'wolfe',
    relativeStall: options.relativeStall,
  });
  return { ...r, seconds: (performance.now() - t0) / 1000 };
}
