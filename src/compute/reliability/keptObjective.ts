/**
 * R(θ) = Σ_{i ∈ kept} CE_i(θ) + (λ/2)‖θ‖² over every parameter of a network,
 * as an L-BFGS objective on a flat Float64 θ (engine layout: body in forward
 * order, head kernel, head bias).
 *
 * Two choices matter near the optimum, where retraining for a leave-one-out
 * effect of O(1/n) lives:
 *  - the value is summed in Float64 from the per-sample float32 losses: a
 *    float32 tf.sum over ~1000 losses carries ~1e-5 of rounding noise, enough
 *    to stall an Armijo line search before the optimum;
 *  - the kept rows live in one tensor for the whole run, so an evaluation is
 *    one forward and one backward pass, not a rebuilt objective.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Objective } from '../linalg/lbfgs';
import { createFullObjective } from '../models/fullObjective';
import { bodyOf, networkLogits } from '../models/network';
import type { TrainedNetwork, TrainingData } from '../models/types';
import { softmaxCrossEntropy } from '../tf/secondOrderGradients';

export interface KeptObjective extends Objective {
  /** θ of `start`, flat. */
  x0: Float64Array;
  /** Number of kept samples. */
  m: number;
  dispose(): void;
}

/** The indices 0..n−1 without those in `removed`, in order: the samples a retraining keeps. */
export function keptRows(n: number, removed: ReadonlySet<number>): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i).filter((i) => !removed.has(i));
}

export function keptSamplesObjective(
  start: TrainedNetwork,
  data: TrainingData,
  l2: number,
  removed: ReadonlySet<number>,
): KeptObjective {
  const kept = keptRows(data.n, removed);
  const m = kept.length;
  const body = bodyOf(start);
  // A one-sample objective only to read the parameter layout and θ of `start`.
  const probe = createFullObjective(start, {
    ...data,
    n: 1,
    x: data.x.subarray(0, data.dims),
    y: data.y.subarray(0, 1),
  });
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
  return {
    x0,
    m,
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
    dispose() {
      X.dispose();
      Y.dispose();
    },
  };
}
