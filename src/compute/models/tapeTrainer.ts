/**
 * Minibatch Adam steps through tfjs's gradient tape and tf.train.adam: the
 * general trainer, for every body (the CNN) and every backend. Dense ReLU
 * networks on wasm take the faster denseTrainer.ts, which reproduces this
 * one's weights bit for bit.
 */
import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy } from '../tf/secondOrderGradients';
import { gatherRows, oneHotRows } from './batches';
import { networkLogits, squaredNorm } from './network';
import type { BatchTrainer } from './batchTrainer';
import type { BodyDefinition, ModelConfig, NamedArray, TrainingData } from './types';

export function createTapeTrainer(
  body: BodyDefinition,
  initial: readonly NamedArray[],
  data: TrainingData,
  config: ModelConfig,
): BatchTrainer {
  const variables = initial.map((a) => {
    const value = tf.tensor(a.data, a.shape);
    const variable = tf.variable(value, true);
    value.dispose();
    return variable;
  });
  const optimizer = tf.train.adam(config.learningRate);
  const decay = config.weightDecay / 2;
  return {
    step(xOrder, order, start, end) {
      const xb = gatherRows(data.x, data.dims, xOrder, start, end);
      const yb = oneHotRows(data.y, data.numClasses, order, start, end);
      const m = end - start;
      const cost = tf.tidy(() => {
        const x = tf.tensor2d(xb, [m, data.dims]);
        const y = tf.tensor2d(yb, [m, data.numClasses]);
        const objective = optimizer.minimize(
          () => {
            const ce = softmaxCrossEntropy(networkLogits(body, variables, x), y, 'mean');
            return tf.add(ce, tf.mul(decay, squaredNorm(variables))) as tf.Scalar;
          },
          true,
          variables,
        );
        return objective ?? tf.scalar(Number.NaN);
      });
      const value = cost.dataSync()[0];
      cost.dispose();
      return value;
    },
    values: () => variables.map((v) => new Float32Array(v.dataSync())),
    dispose() {
      for (const v of variables) v.dispose();
      optimizer.dispose();
    },
  };
}
