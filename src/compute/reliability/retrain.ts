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
import { minimizeLbfgs } from '../linalg/lbfgs';
import { gatherRows } from '../models/batches';
import { dot } from '../linalg/lbfgsHistory';
import { minimizeLbfgsWolfe } from '../linalg/lbfgsWolfe';
import { axpy } from '../solvers/vectors';
import { type HeadFactor, headFactorSolve } from '../head/headFactor';
import { keptRows, keptSamplesObjective } from './keptObjective';
import type { TrainedNetwork, TrainingData } from '../models/types';

/**
 * Minimises the head objective by L-BFGS whose initial inverse Hessian is
 * (LLᵀ)⁻¹, L the Cholesky factor of the Hessian at θ̂ (Nocedal & Wright
 * Algorithm 7.4 with H₀ = (LLᵀ)⁻¹ instead of γI). Without curvature pairs the
 * first step is the Newton step at θ̂; the pairs then learn how the curvature
 * moved on the way to the new optimum. Plain steps x ← x − (LLᵀ)⁻¹∇R(x)
 * converge only linearly, at the rate the Hessian changes between θ̂ and the
 * new optimum: removing one influential sample (a flipped label, say) changes
 * it by 20 % in some direction, which took 14 gradients from θ̂ to 1e-11 on
 * MNIST where this takes 8 (`preconditionedRefit.test.ts`). The fixed matrix only
 * preconditions: convergence is judged on the true float64 gradient, so the
 * result is the actual optimum. Returns undefined if it does not converge
 * within `maxSteps` gradients (the caller falls back).
 */
export function preconditionedRefit(
  data: HeadData,
  shape: HeadShape,
  l2: number,
  start: Float64Array,
  factor: HeadFactor,
  meanGradTolerance: number,
  signal?: AbortSignal,
  maxSteps = 40,
): { head: Float64Array; evaluations: number } | undefined {
  const objective = headObjective(data, shape, l2);
  const p = start.length;
  let x: Float64Array = Float64Array.from(start);
  let grad: Float64Array = new Float64Array(p);
  let value = objective.evaluate(x, grad);
  const pairs: { s: Float64Array; y: Float64Array; rho: number }[] = [];
  const memory = 10;
  const alpha = new Float64Array(memory);
  for (let evaluations = 1; evaluations <= maxSteps;) {
    throwIfAborted(signal);
    if (Math.sqrt(dot(grad, grad)) / data.n <= meanGradTolerance) return { head: x, evaluations };
    // Two-loop recursion: the direction is −H̃∇R, H̃ the L-BFGS inverse with H₀ = (LLᵀ)⁻¹.
    const q = Float64Array.from(grad);
    for (let k = pairs.length - 1; k >= 0; k--) {
      alpha[k] = pairs[k].rho * dot(pairs[k].s, q);
      axpy(-alpha[k], pairs[k].y, q);
    }
    const step = headFactorSolve(factor, q);
    for (let k = 0; k < pairs.length; k++) axpy(alpha[k] - pairs[k].rho * dot(pairs[k].y, step), pairs[k].s, step);
    // Backtracking: the full step is taken near the optimum; far from it (a group removed) it may overshoot.
    let accepted: { x: Float64Array; grad: Float64Array; value: number } | undefined;
    for (let t = 1; t > 1e-4 && evaluations < maxSteps; t /= 2) {
      const trial = Float64Array.from(x);
      axpy(-t, step, trial);
      const trialGrad = new Float64Array(p);
      const trialValue = objective.evaluate(trial, trialGrad);
      evaluations++;
      if (trialValue <= value + 1e-12 * Math.abs(value)) {
        accepted = { x: trial, grad: trialGrad, value: trialValue };
        break;
      }
    }
    if (!accepted) return undefined;
    const s = Float64Array.from(accepted.x);
    axpy(-1, x, s);
    const y = Float64Array.from(accepted.grad);
    axpy(-1, grad, y);
    const sy = dot(s, y);
    // Only pairs of safely positive curvature (the objective is convex: others are rounding).
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (pairs.length === memory) pairs.shift();
      pairs.push({ s, y, rho: 1 / sy });
    }
    ({ x, grad, value } = accepted);
  }
  return undefined;
}

/**
 * The head refitted on frozen features without the samples in `removed`,
 * to ‖∇R‖/n ≤ 1e-11. With `factor` (the Cholesky factor of the Hessian at
 * `start`) by preconditioned L-BFGS, otherwise by L-BFGS (+ Newton when
 * `canFactor`).
 */
export function retrainHead(
  train: HeadData,
  shape: HeadShape,
  l2: number,
  start: Float64Array,
  removed: ReadonlySet<number>,
  canFactor: boolean,
  factor?: HeadFactor,
  signal?: AbortSignal,
  /** Gradients before falling back to a refit: removing a group changes H more than removing one sample. */
  descentSteps = 40,
): Float64Array {
  const f = shape.featureDim;
  const rows = keptRows(train.n, removed);
  const y = Int32Array.from(rows, (i) => train.y[i]);
  const n = rows.length;
  const fitOptions = { init: start, meanGradTolerance: 1e-8, signal };
  // The float32 fit alone reads the kept rows in place (head/biasedFeatures.ts): no copy of the training features
  // (a 240 MB CSV of 20,000 columns: 130 MB). The float64 refit and polish read them as a matrix.
  if (!factor && !canFactor)
    return fitHead({ features: { x: train.phi, width: f, n, rows }, y, n }, shape, l2, fitOptions).head;
  const data = { phi: gatherRows(train.phi, f, rows, 0, n), y, n };
  const quick = factor ? preconditionedRefit(data, shape, l2, start, factor, 1e-11, signal, descentSteps) : undefined;
  if (quick) return quick.head;
  const fit = fitHead(data, shape, l2, fitOptions);
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
