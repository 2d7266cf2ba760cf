/**
 * Directional derivatives of every training sample's loss along one
 * parameter direction v: (∇_θ L_i · v) for all i at once. This is the
 * "g_i · x" half of influence for full-network methods, where holding all
 * per-sample gradients (n × P) is out of the question.
 *
 * tfjs has no forward-mode autodiff, so we use the double-VJP identity: with
 * ℓ(θ) the vector of per-sample losses and J its Jacobian,
 *   f(a) = ⟨∇_θ (aᵀℓ(θ)), v⟩ = aᵀ J v   ⇒   ∇_a f = J v.
 * Two reverse passes per batch, exact up to float32 rounding, and it relies on
 * the same second-order gradient fixes as the HVPs (tf/secondOrderGradients).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gatherRows, identityOrder, oneHotRows } from '../models/batches';
import { bodyOf, networkLogits, networkTensors } from '../models/network';
import type { TrainedNetwork, TrainingData } from '../models/types';
import { softmaxCrossEntropy } from '../tf/secondOrderGradients';

export interface LossJvp {
  /** (∇L_i · v) for every sample of the data, in sample order. */
  along(v: Float32Array): Float64Array;
  dispose(): void;
}

export function createLossJvp(
  net: TrainedNetwork,
  data: TrainingData,
  batchSize = net.config.kind === 'cnn' ? 128 : 512,
): LossJvp {
  const body = bodyOf(net);
  const params = networkTensors(net);
  const order = identityOrder(data.n);
  return {
    along(v: Float32Array): Float64Array {
      const out = new Float64Array(data.n);
      let offset = 0;
      const vs = params.map((p) => {
        const t = tf.tensor(v.subarray(offset, offset + p.size), p.shape);
        offset += p.size;
        return t;
      });
      if (offset !== v.length) {
        tf.dispose(vs);
        throw new Error(`direction has ${v.length} entries, the network ${offset}`);
      }
      try {
        for (let start = 0; start < data.n; start += batchSize) {
          const end = Math.min(data.n, start + batchSize);
          const m = end - start;
          const result = tf.tidy(() => {
            const x = tf.tensor2d(gatherRows(data.x, data.dims, order, start, end), [m, data.dims]);
            const y = tf.tensor2d(oneHotRows(data.y, data.numClasses, order, start, end), [m, data.numClasses]);
            const weights = tf.ones([m]);
            return tf.grad((a: tf.Tensor) => {
              const g = tf.grads(
                (...ps: tf.Tensor[]) =>
                  tf.sum(tf.mul(a, softmaxCrossEntropy(networkLogits(body, ps, x), y, 'none'))) as tf.Scalar,
              )(params);
              return tf.addN(g.map((gk, k) => tf.sum(tf.mul(gk, vs[k])))) as tf.Scalar;
            })(weights);
          });
          const values = result.dataSync();
          for (let r = 0; r < m; r++) out[start + r] = values[r];
          result.dispose();
        }
      } finally {
        tf.dispose(vs);
      }
      return out;
    },
    dispose() {
      tf.dispose(params);
    },
  };
}
