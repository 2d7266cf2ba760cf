/**
 * Forward passes of a trained network over many samples, in batches so that
 * memory stays bounded whatever n is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bodyOf, networkTensors } from './network';
import type { TrainedNetwork } from './types';

export const DEFAULT_INFERENCE_BATCH = 512;

/**
 * Penultimate activations φ(x) for n row-major samples: n × featureDim.
 * For logistic regression φ is the identity and this is a copy of x.
 */
export function computeFeatures(net: TrainedNetwork, x: Float32Array, n: number, batchSize = DEFAULT_INFERENCE_BATCH): Float32Array {
  checkInput(net, x, n);
  if (net.config.kind === 'logreg') return x.slice(0, n * net.dims);
  const body = bodyOf(net);
  const params = networkTensors(net);
  const bodyParams = params.slice(0, body.shapes.length);
  const out = new Float32Array(n * net.featureDim);
  try {
    forEachBatch(n, batchSize, (start, end) => {
      const phi = tf.tidy(() => body.features(bodyParams, tf.tensor2d(x.subarray(start * net.dims, end * net.dims), [end - start, net.dims])));
      out.set(phi.dataSync(), start * net.featureDim);
      phi.dispose();
    });
  } finally {
    for (const p of params) p.dispose();
  }
  return out;
}

/** Softmax class probabilities through body and head: n × numClasses (float32). */
export function predictProbabilities(net: TrainedNetwork, x: Float32Array, n: number, batchSize = DEFAULT_INFERENCE_BATCH): Float32Array {
  checkInput(net, x, n);
  const body = bodyOf(net);
  const params = networkTensors(net);
  const nBody = body.shapes.length;
  const out = new Float32Array(n * net.numClasses);
  try {
    forEachBatch(n, batchSize, (start, end) => {
      const probs = tf.tidy(() => {
        const xb = tf.tensor2d(x.subarray(start * net.dims, end * net.dims), [end - start, net.dims]);
        const phi = body.features(params.slice(0, nBody), xb);
        return tf.softmax(tf.add(tf.matMul(phi, params[nBody] as tf.Tensor2D), params[nBody + 1]));
      });
      out.set(probs.dataSync(), start * net.numClasses);
      probs.dispose();
    });
  } finally {
    for (const p of params) p.dispose();
  }
  return out;
}

function forEachBatch(n: number, batchSize: number, run: (start: number, end: number) => void): void {
  const step = Math.max(1, Math.floor(batchSize));
  for (let start = 0; start < n; start += step) run(start, Math.min(n, start + step));
}

function checkInput(net: TrainedNetwork, x: Float32Array, n: number): void {
  if (!(n >= 0) || x.length < n * net.dims) throw new Error(`x has ${x.length} values, fewer than n·dims = ${n * net.dims}`);
}
