/**
 * Forward passes of a trained network over many samples, in batches so that
 * memory stays bounded whatever n is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../cancel';
import { gatherRows, gatherRowsInto } from './batches';
import { bodyOf, networkTensors } from './network';
import type { TrainedNetwork } from './types';
import { sharedFloat32 } from '../sharedMemory';

export const DEFAULT_INFERENCE_BATCH = 512;

/**
 * Penultimate activations φ(x) for n row-major samples: n × featureDim.
 * For logistic regression φ is the identity and this is x's first n rows
 * themselves (a view, for callers that only read it) or its rows `rows`
 * gathered. A copy cost the whole training set's inputs on the analysis
 * thread, and again on the helper thread the issue searches post it to
 * (a copy is cloned there, the shared inputs are not): 2 × 168 MB for a
 * 240 MB CSV of 20,000 columns.
 */
export function computeFeatures(
  net: TrainedNetwork,
  x: Float32Array,
  n: number,
  batchSize = DEFAULT_INFERENCE_BATCH,
  rows?: Int32Array,
  /** Checked between batches (a CNN over many images takes a while). */
  signal?: AbortSignal,
): Float32Array {
  checkInput(net, x, n, rows);
  if (net.config.kind === 'logreg') return rows ? gatherRows(x, net.dims, rows, 0, n) : x.subarray(0, n * net.dims);
  const body = bodyOf(net);
  const params = networkTensors(net);
  const bodyParams = params.slice(0, body.shapes.length);
  // In shared memory: the neighbour searches and the influence scan post the features to their helper thread, which
  // cloned a plain array each time (an MLP on 60,000 + 15,000 rows: peak RSS 1.28–1.35 GB -> 1.21–1.23 GB).
  const out = sharedFloat32(n * net.featureDim);
  const batchOf = batchReader(x, net.dims, batchSize, n, rows);
  try {
    forEachBatch(n, batchSize, (start, end) => {
      throwIfAborted(signal);
      const phi = tf.tidy(() => body.features(bodyParams, tf.tensor2d(batchOf(start, end), [end - start, net.dims])));
      out.set(phi.dataSync(), start * net.featureDim);
      phi.dispose();
    });
  } finally {
    for (const p of params) p.dispose();
  }
  return out;
}

/** Softmax class probabilities through body and head: n × numClasses (float32). */
export function predictProbabilities(
  net: TrainedNetwork,
  x: Float32Array,
  n: number,
  batchSize = DEFAULT_INFERENCE_BATCH,
  rows?: Int32Array,
): Float32Array {
  checkInput(net, x, n, rows);
  const body = bodyOf(net);
  const params = networkTensors(net);
  const nBody = body.shapes.length;
  const out = new Float32Array(n * net.numClasses);
  const batchOf = batchReader(x, net.dims, batchSize, n, rows);
  try {
    forEachBatch(n, batchSize, (start, end) => {
      const probs = tf.tidy(() => {
        const xb = tf.tensor2d(batchOf(start, end), [end - start, net.dims]);
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

/**
 * Reads samples start..end: consecutive rows of x in place, or (with `rows`) the rows they name, gathered into one
 * buffer reused batch after batch (a fresh 1.6 MB array per MNIST batch cost its allocation and page faults; the
 * tensor made from it copies the values anyway).
 */
function batchReader(
  x: Float32Array,
  dims: number,
  batchSize: number,
  n: number,
  rows?: Int32Array,
): (start: number, end: number) => Float32Array {
  if (!rows) return (start, end) => x.subarray(start * dims, end * dims);
  const buffer = new Float32Array(Math.min(Math.max(1, Math.floor(batchSize)), n) * dims);
  return (start, end) => {
    gatherRowsInto(x, dims, rows, start, end, buffer);
    return buffer.subarray(0, (end - start) * dims);
  };
}

function checkInput(net: TrainedNetwork, x: Float32Array, n: number, rows?: Int32Array): void {
  if (rows) {
    if (rows.length !== n) throw new Error(`${rows.length} rows for n = ${n} samples`);
    const available = Math.floor(x.length / net.dims);
    for (const r of rows)
      if (!(r >= 0 && r < available)) throw new Error(`row ${r} is outside the ${available} rows of x`);
    return;
  }
  if (!(n >= 0) || x.length < n * net.dims)
    throw new Error(`x has ${x.length} values, fewer than n·dims = ${n * net.dims}`);
}
