/** computeFeatures / predictProbabilities against the float64 reference forward pass. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/compute/tf/backend';
import { computeFeatures, predictProbabilities, trainNetwork } from '../../../src/compute/models/train';
import type { ModelConfig, TrainedNetwork, TrainingData } from '../../../src/compute/models/types';
import { type RefArch, refObjective } from './f64Reference';
import { barImages, blobs } from './synthetic';

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

const config: ModelConfig = {
  kind: 'mlp',
  hidden: [7, 5],
  convChannels: [],
  weightDecay: 1e-3,
  epochs: 2,
  batchSize: 8,
  learningRate: 0.02,
  seed: 1,
};

function flatTheta(net: TrainedNetwork): number[] {
  return [...net.body.flatMap((a) => Array.from(a.data)), ...Array.from(net.head)];
}

function checkForward(net: TrainedNetwork, arch: RefArch, data: TrainingData): void {
  const ref = refObjective(arch, flatTheta(net), data, 0);
  const phi = computeFeatures(net, data.x, data.n, 4);
  const probs = predictProbabilities(net, data.x, data.n, 4);
  const scale = Math.max(1, ...ref.features.flat().map(Math.abs));
  ref.features.forEach((row, i) =>
    row.forEach((v, j) =>
      assert.ok(
        Math.abs(phi[i * net.featureDim + j] - v) < 1e-5 * scale,
        `φ[${i}][${j}] ${phi[i * net.featureDim + j]} vs ${v}`,
      ),
    ),
  );
  ref.probs.forEach((row, i) =>
    row.forEach((p, k) =>
      assert.ok(
        Math.abs(probs[i * net.numClasses + k] - p) < 1e-5,
        `p[${i}][${k}] ${probs[i * net.numClasses + k]} vs ${p}`,
      ),
    ),
  );
  // Batching does not change the numbers beyond float32 rounding.
  const whole = computeFeatures(net, data.x, data.n);
  whole.forEach((v, i) => assert.ok(Math.abs(v - phi[i]) < 1e-5 * scale));
  // A network's φ is in shared memory: posted to the searches' and the influence scan's helper thread, it is shared,
  // not cloned (a logistic regression's is a view on x: below).
  if (net.config.kind !== 'logreg')
    assert.ok(phi.buffer instanceof SharedArrayBuffer && whole.buffer instanceof SharedArrayBuffer);
}

test('MLP: φ and probabilities match float64 (batches of 4 over 10 samples)', async () => {
  const data = blobs(10, 6, 3, 2, 1);
  const net = await trainNetwork(config, data);
  checkForward(net, { kind: 'mlp', dims: 6, hidden: [7, 5], activation: 'relu', numClasses: 3 }, data);
});

test('CNN: φ and probabilities match float64 (7×7×2 images: odd sizes, two input channels)', async () => {
  const gray = barImages(9, 7, 3);
  // Second channel: the negated image, so channels are not interchangeable.
  const x = new Float32Array(9 * 98);
  for (let i = 0; i < 9 * 49; i++) {
    x[2 * i] = gray.x[i];
    x[2 * i + 1] = -0.5 * gray.x[i] + 0.1;
  }
  const data: TrainingData = { ...gray, x, dims: 98, imageShape: [7, 7, 2] };
  const net = await trainNetwork({ ...config, kind: 'cnn', convChannels: [3, 2], hidden: [5] }, data);
  checkForward(net, { kind: 'cnn', image: [7, 7, 2], conv: [3, 2], dense: 5, numClasses: 2 }, data);
});

test('logistic regression: φ is x itself, uncopied, probabilities are softmax of the head', async () => {
  const data = blobs(10, 4, 3, 5);
  const net = await trainNetwork({ ...config, kind: 'logreg' }, data);
  // In shared memory, as the pipeline keeps the inputs: the helper thread of the issue searches gets φ uncopied.
  const x = new Float32Array(new SharedArrayBuffer(data.x.byteLength + 8));
  x.set(data.x);
  const phi = computeFeatures(net, x, data.n);
  assert.deepEqual(phi, data.x);
  assert.equal(phi.buffer, x.buffer, 'a view on x, not a copy');
  // Rows given: those rows, gathered.
  assert.deepEqual(
    computeFeatures(net, x, 2, undefined, Int32Array.of(7, 2)),
    Float32Array.of(...data.x.subarray(28, 32), ...data.x.subarray(8, 12)),
  );
  checkForward(net, { kind: 'mlp', dims: 4, hidden: [], activation: 'relu', numClasses: 3 }, data);
});

test('forward passes leave no tensors behind', async () => {
  const data = blobs(10, 6, 3, 2);
  const net = await trainNetwork(config, data);
  const before = tf.memory().numTensors;
  computeFeatures(net, data.x, data.n, 3);
  predictProbabilities(net, data.x, data.n, 3);
  assert.equal(tf.memory().numTensors, before);
});

test(
  'rows: training, features and probabilities over rows of a larger ' + 'matrix equal the same on a gathered copy',
  async () => {
    const all = blobs(20, 6, 3, 2, 5);
    const rows = Int32Array.of(19, 3, 3, 7, 0, 12, 15, 8, 1, 10);
    const gathered: TrainingData = {
      ...all,
      x: Float32Array.from(Array.from(rows).flatMap((r) => Array.from(all.x.subarray(r * 6, r * 6 + 6)))),
      y: Int32Array.from(rows, (r) => all.y[r]),
      n: rows.length,
    };
    const byCopy = await trainNetwork(config, gathered);
    const byRows = await trainNetwork(config, { ...gathered, x: all.x }, { rows });
    assert.deepEqual(byRows, byCopy, 'bit-identical networks');
    assert.deepEqual(
      computeFeatures(byCopy, all.x, rows.length, 4, rows),
      computeFeatures(byCopy, gathered.x, rows.length, 4),
    );
    assert.deepEqual(
      predictProbabilities(byCopy, all.x, rows.length, 3, rows),
      predictProbabilities(byCopy, gathered.x, rows.length, 3),
    );
    // A row past the end of x is an error, not a batch silently padded with zeros.
    assert.throws(() => computeFeatures(byCopy, all.x, 2, 4, Int32Array.of(0, 20)), /row 20 is outside the 20 rows/);
    await assert.rejects(
      trainNetwork(config, { ...gathered, x: all.x }, { rows: Int32Array.of(0, 1) }),
      /2 rows for n = 10/,
    );
  },
);
