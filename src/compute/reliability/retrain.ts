/**
 * Retraining to convergence, for measuring influence against reality. Both
 * retrainers minimise the same summed objective the influence was computed
 * for, Σ_{i∈kept} L_i + (λ/2)‖θ‖² with λ fixed, warm-started from θ̂ and run
 * to a tight gradient tolerance: the leave-one-out effect of one sample is
 * O(1/n), so an optimiser stopped early would measure its own noise.
 */
import { fitHead } from '../head/fitHead';
import { polishHeadNewton } from '../head/polishHead';
import { type HeadData, type HeadShape, headObjective } from '../head/softmaxHead';
import { choleskySolve } from '../linalg/cholesky';
import { minimizeLbfgs } from '../linalg/lbfgs';
import { createFullObjective } from '../models/train';
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
): Float64Array | undefined {
  const objective = headObjective(data, shape, l2);
  const p = start.length;
  const x = Float64Array.from(start);
  const grad = new Float64Array(p);
  for (let step = 0; step < 40; step++) {
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
  const quick = factor ? preconditionedDescent(data, shape, l2, start, factor, 1e-11) : undefined;
  if (quick) return quick;
  const fit = fitHead(data, shape, l2, { init: start, meanGradTolerance: 1e-8 });
  return canFactor ? polishHeadNewton(data, shape, l2, fit.head, { meanGradTolerance: 1e-11 }).head : fit.head;
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

export interface FullRetrainResult {
  net: TrainedNetwork;
  /** ‖∇R‖/n at the end. */
  meanGradNorm: number;
  iterations: number;
}

/**
 * Full-batch L-BFGS over every parameter of the network, without the samples
 * in `removed`, from `start`. Used to converge the trained network before
 * full-network influence and to retrain it for the reliability check.
 */
export function retrainFullNetwork(
  start: TrainedNetwork,
  data: TrainingData,
  l2: number,
  removed: ReadonlySet<number>,
  options: { meanGradTolerance?: number; maxIterations?: number } = {},
): FullRetrainResult {
  const kept = Int32Array.from({ length: data.n }, (_, i) => i).filter((i) => !removed.has(i));
  const objective = createFullObjective(start, data);
  const x0 = Float64Array.from(objective.flatten());
  objective.dispose();
  const result = minimizeLbfgs(
    {
      evaluate(x, grad) {
        const at = createFullObjective(withFlatParameters(start, x), data);
        try {
          const g = at.gradient(kept);
          const losses = at.lossPerSample();
          let value = 0;
          for (const i of kept) value += losses[i];
          for (let q = 0; q < x.length; q++) {
            grad[q] = g[q] + l2 * x[q];
            value += 0.5 * l2 * x[q] * x[q];
          }
          return value;
        } finally {
          at.dispose();
        }
      },
    },
    x0,
    { gradTolerance: (options.meanGradTolerance ?? 1e-6) * kept.length, maxIterations: options.maxIterations ?? 500 },
  );
  return { net: withFlatParameters(start, result.x), meanGradNorm: result.gradNorm / kept.length, iterations: result.iterations };
}
