/**
 * Retraining to convergence, for measuring influence against reality. Both
 * retrainers minimise the same summed objective the influence was computed
 * for, Σ_{i∈kept} L_i + (λ/2)‖θ‖² with λ fixed, warm-started from θ̂ and run
 * to a tight gradient tolerance: the leave-one-out effect of one sample is
 * O(1/n), so an optimiser stopped early would measure its own noise.
 */
import { throwIfAborted } from '../cancel';
import { fitHead } from '../head/fitHead';
import { polishHeadNewton } from '../head/polishHead';
import { type HeadData, type HeadShape, headObjective } from '../head/softmaxHead';
import { choleskySolve } from '../linalg/cholesky';
import { minimizeLbfgs } from '../linalg/lbfgs';
import { minimizeLbfgsWolfe } from '../linalg/lbfgsWolfe';
import { keptSamplesObjective } from './keptObjective';
import type { TrainedNetwork, TrainingData } from '../models/types';

/**
 * Minimises the head objective by preconditioned gradient steps
 * x ← x − (LLᵀ)⁻¹∇R(x), with L the Cholesky factor of the Hessian at θ̂.
 * Removing one sample changes the Hessian by O(1/n), so this converges in a
 * handful of steps, each one float64 gradient — ~10× cheaper than refitting
 * and refactoring. The fixed matrix only preconditions: convergence is judged
 * on the true float64 gradient, so the result is the actual optimum.
 * Returns undefined if it does not converge (the caller falls back).
 */
function preconditionedDescent(
  data: HeadData,
  shape: HeadShape,
  l2: number,
  start: Float64Array,
  factor: Float64Array,
  meanGradTolerance: number,
  signal?: AbortSignal,
  maxSteps = 40,
): Float64Array | undefined {
  const objective = headObjective(data, shape, l2);
  const p = start.length;
  const x = Float64Array.from(start);
  const grad = new Float64Array(p);
  for (let step = 0; step < maxSteps; step++) {
    throwIfAborted(signal);
    objective.evaluate(x, grad);
    let norm = 0;
    for (const g of grad) norm += g * g;
    if (Math.sqrt(norm) / data.n <= meanGradTolerance) return x;
    const direction = choleskySolve(factor, p, grad);
    for (let q = 0; q < p; q++) x[q] -= direction[q];
  }
  return undefined;
}

/**
 * The head refitted on frozen features without the samples in `removed`,
 * to ‖∇R‖/n ≤ 1e-11. With `factor` (the Cholesky factor of the Hessian at
 * `start`) by preconditioned descent, otherwise by L-BFGS (+ Newton when
 * `canFactor`).
 */
export function retrainHead(
  train: HeadData,
  shape: HeadShape,
  l2: number,
  start: Float64Array,
  removed: ReadonlySet<number>,
  canFactor: boolean,
  factor?: Float64Array,
  signal?: AbortSignal,
  /** Preconditioned steps before falling back to a refit: removing a group changes H more than removing one sample. */
  descentSteps = 40,
): Float64Array {
  const f = shape.featureDim;
  const kept = train.n - removed.size;
  const phi = new Float32Array(kept * f);
  const y = new Int32Array(kept);
  for (let i = 0, r = 0; i < train.n; i++) {
    if (removed.has(i)) continue;
    phi.set(train.phi.subarray(i * f, (i + 1) * f), r * f);
    y[r++] = train.y[i];
  }
  const data = { phi, y, n: kept };
  const quick = factor ? preconditionedDescent(data, shape, l2, start, factor, 1e-11, signal, descentSteps) : undefined;
  if (quick) return quick;
  const fit = fitHead(data, shape, l2, { init: start, meanGradTolerance: 1e-8, signal });
  return canFactor ? polishHeadNewton(data, shape, l2, fit.head, { meanGradTolerance: 1e-11, signal }).head : fit.head;
}

/** The network with its flat parameter vector (fullObjective layout) replaced. */
export function withFlatParameters(net: TrainedNetwork, flat: ArrayLike<number>): TrainedNetwork {
  let offset = 0;
  const body = net.body.map((a) => {
    const data = Float32Array.from({ length: a.data.length }, (_, j) => flat[offset + j]);
    offset += a.data.length;
    return { ...a, data };
  });
  const head = Float64Array.from({ length: net.head.length }, (_, j) => flat[offset + j]);
  return { ...net, body, head };
}

export interface FullRetrainOptions {
  /** Stop when ‖∇R‖ / n_kept ≤ this. Default 1e-6. */
  meanGradTolerance?: number;
  /** Total L-BFGS iterations over all restarts. Default 500. */
  maxIterations?: number;
  /**
   * 'armijo' (default): L-BFGS with backtracking, restarted with a fresh
   * memory from where a line search failed (a ReLU kink, or the rounding
   * floor), until the budget is spent or a restart makes no progress;
   * 'wolfe': L-BFGS with a weak Wolfe line search that steps across kinks.
   */
  optimizer?: 'armijo' | 'wolfe';
  /** wolfe: stop when the objective improved by less than this (relative) over 50 iterations. */
  relativeStall?: number;
  /** armijo: checked before every pass over the data. */
  signal?: AbortSignal;
}

export interface FullRetrainResult {
  net: TrainedNetwork;
  /** ‖∇R‖ / n_kept at the end. */
  meanGradNorm: number;
  iterations: number;
  restarts: number;
  objective: number;
  stop: string;
}

/**
 * Full-batch L-BFGS over every parameter of the network, without the samples
 * in `removed`, warm-started from `start`, on the Float64-summed objective of
 * keptSamplesObjective. Used to converge the trained network before
 * full-network influence, for the reliability check, and by the fidelity
 * study (one implementation for all three). ReLU networks are only piecewise
 * smooth, so ‖∇R‖ need not reach the tolerance: the result says what it reached.
 */
export function retrainFullNetwork(
  start: TrainedNetwork,
  data: TrainingData,
  l2: number,
  removed: ReadonlySet<number>,
  options: FullRetrainOptions = {},
): FullRetrainResult {
  const objective = keptSamplesObjective(start, data, l2, removed);
  const { m } = objective;
  const tolerance = (options.meanGradTolerance ?? 1e-6) * m;
  const budget = options.maxIterations ?? 500;
  try {
    if (options.optimizer === 'wolfe') {
      const r = minimizeLbfgsWolfe(objective, objective.x0, {
        gradTolerance: tolerance,
        maxIterations: budget,
        relativeStall: options.relativeStall,
      });
      return {
        net: withFlatParameters(start, r.x),
        meanGradNorm: r.gradNorm / m,
        iterations: r.iterations,
        restarts: 0,
        objective: r.value,
        stop: r.stop,
      };
    }
    let x = objective.x0;
    let iterations = 0;
    let restarts = 0;
    let gradNorm = Infinity;
    let value = NaN;
    let stop = 'iterations';
    while (iterations < budget) {
      const r = minimizeLbfgs(objective, x, {
        gradTolerance: tolerance,
        maxIterations: budget - iterations,
        memory: 20,
        signal: options.signal,
      });
      x = r.x;
      gradNorm = r.gradNorm;
      value = r.value;
      iterations += r.iterations;
      if (r.converged) stop = 'gradient';
      else if (r.iterations === 0) stop = 'no progress after a restart';
      if (r.converged || r.iterations === 0) break;
      if (iterations < budget) restarts++;
    }
    return {
      net: withFlatParameters(start, x),
      meanGradNorm: gradNorm / m,
      iterations,
      restarts,
      objective: value,
      stop,
    };
  } finally {
    objective.dispose();
  }
}
