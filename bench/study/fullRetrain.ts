/**
 * Full-network retraining for the study's ground truth: minimise
 *   R(θ) = Σ_{i ∈ kept} CE_i(θ) + (λ/2)‖θ‖²
 * over every parameter, by full-batch L-BFGS (the engine's minimizeLbfgs),
 * warm-started from `start`.
 *
 * The same objective as the engine's retrainFullNetwork
 * (src/compute/reliability/retrain.ts); two things differ, both measured
 * in the study's notes:
 *  - the objective value is summed in Float64 from per-sample float32
 *    losses (a float32 tf.sum over ~800 losses carries ~1e-5 of noise,
 *    enough to stall an Armijo line search near the optimum), and the
 *    kept rows live in one tensor for the whole run (one forward+backward
 *    per evaluation instead of rebuilding the objective);
 *  - when the line search fails (a ReLU kink or the rounding floor), L-BFGS
 *    is restarted with a fresh memory from where it stopped, up to
 *    `maxIterations` in total; it stops for good when a restart makes no
 *    progress at all.
 * ReLU networks are only piecewise smooth, so ‖∇R‖ does not go to 0 at the
 * optimum: the result records the mean gradient norm actually reached.
 */
import * as tf from '@tensorflow/tfjs-core';
import { minimizeLbfgs } from '../../src/compute/linalg/lbfgs';
import { createFullObjective } from '../../src/compute/models/train';
import { bodyOf, networkLogits } from '../../src/compute/models/network';
import type { TrainedNetwork, TrainingData } from '../../src/compute/models/types';
import { withFlatParameters } from '../../src/compute/reliability/retrain';
import { softmaxCrossEntropy } from '../../src/compute/tf/secondOrderGradients';
import { minimizeLbfgsWolfe } from './lbfgsWolfe';

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
  const kept = Int32Array.from({ length: data.n }, (_, i) => i).filter((i) => !removed.has(i));
  const m = kept.length;
  const body = bodyOf(start);
  const probe = createFullObjective(start, { ...data, n: 1, x: data.x.subarray(0, data.dims), y: data.y.subarray(0, 1) });
  const layout = probe.layout.map((b) => ({ offset: b.offset, size: b.size, shape: [...b.shape] }));
  const x0 = Float64Array.from(probe.flatten());
  probe.dispose();

  const xs = new Float32Array(m * data.dims);
  const ys = new Float32Array(m * data.numClasses);
  kept.forEach((i, r) => {
    xs.set(data.x.subarray(i * data.dims, (i + 1) * data.dims), r * data.dims);
    ys[r * data.numClasses + data.y[i]] = 1;
  });
  const X = tf.tensor2d(xs, [m, data.dims]);
  const Y = tf.tensor2d(ys, [m, data.numClasses]);
  const objective = {
    evaluate(x: Float64Array, grad: Float64Array): number {
      const params = layout.map((b) => tf.tensor(Float32Array.from(x.subarray(b.offset, b.offset + b.size)), b.shape));
      let perRow: tf.Tensor | undefined;
      const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => {
        const rows = softmaxCrossEntropy(networkLogits(body, ps, X), Y, 'none');
        perRow = tf.keep(rows);
        return tf.sum(rows) as tf.Scalar;
      })(params);
      let total = 0;
      for (const v of (perRow as tf.Tensor).dataSync()) total += v;
      grads.forEach((g, k) => {
        const values = g.dataSync();
        const offset = layout[k].offset;
        for (let j = 0; j < values.length; j++) grad[offset + j] = values[j];
      });
      tf.dispose([value, ...grads, ...params, perRow as tf.Tensor]);
      for (let q = 0; q < x.length; q++) {
        grad[q] += l2 * x[q];
        total += 0.5 * l2 * x[q] * x[q];
      }
      return total;
    },
  };
  try {
    if ((options.optimizer ?? 'wolfe') === 'wolfe') {
      const r = minimizeLbfgsWolfe(objective, x0, {
        gradTolerance: options.meanGradTolerance * m, maxIterations: options.maxIterations, relativeStall: options.relativeStall,
      });
      return {
        net: withFlatParameters(start, r.x), meanGradNorm: r.gradNorm / m, iterations: r.iterations, restarts: 0,
        objective: r.value, stop: r.stop, seconds: (performance.now() - t0) / 1000,
      };
    }
    let x: Float64Array = x0;
    let iterations = 0;
    let restarts = 0;
    let gradNorm = Infinity;
    let value = NaN;
    const tolerance = options.meanGradTolerance * m;
    while (iterations < options.maxIterations) {
      const r = minimizeLbfgs(objective, x, { gradTolerance: tolerance, maxIterations: options.maxIterations - iterations, memory: 20 });
      x = r.x;
      gradNorm = r.gradNorm;
      value = r.value;
      iterations += r.iterations;
      if (r.converged || r.iterations === 0) break;
      if (iterations < options.maxIterations) restarts++;
    }
    return {
      net: withFlatParameters(start, x), meanGradNorm: gradNorm / m, iterations, restarts, objective: value, stop: 'armijo',
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    X.dispose();
    Y.dispose();
  }
}
