import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { CancelledError } from '../../../src/compute/errors';
import { initBackend } from '../../../src/compute/tf/backend';
import { predictProbabilities, trainNetwork } from '../../../src/compute/models/train';
import type { ModelConfig, TrainedNetwork, TrainingData } from '../../../src/compute/models/types';
import { accuracy, barImages, blobs } from './synthetic';

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

const mlpConfig: ModelConfig = {
  kind: 'mlp',
  hidden: [16],
  convChannels: [],
  weightDecay: 1e-4,
  epochs: 10,
  batchSize: 32,
  learningRate: 0.01,
  seed: 42,
};

function allWeights(net: TrainedNetwork): number[] {
  return [...net.body.flatMap((a) => Array.from(a.data)), ...Array.from(net.head)];
}

describe('trainNetwork', () => {
  test('logistic regression separates blobs (> 95% held-out accuracy)', async () => {
    const train = blobs(300, 6, 3, 1);
    const test = blobs(300, 6, 3, 2);
    const net = await trainNetwork({ ...mlpConfig, kind: 'logreg', hidden: [] }, train);
    assert.equal(net.body.length, 0);
    assert.equal(net.featureDim, 6);
    assert.equal(net.head.length, 7 * 3);
    const acc = accuracy(predictProbabilities(net, test.x, test.n), test.y, 3);
    assert.ok(acc > 0.95, `accuracy ${acc}`);
  });

  test('MLP separates blobs (> 95% held-out accuracy); shapes and names', async () => {
    // Separation 4: the Bayes accuracy of 4 blobs at separation 3 is itself only ~95%.
    const train = blobs(300, 8, 4, 3, 4);
    const test = blobs(300, 8, 4, 4, 4);
    const net = await trainNetwork({ ...mlpConfig, hidden: [16, 12] }, train);
    assert.deepEqual(
      net.body.map((a) => `${a.name}:${a.shape.join('x')}`),
      ['dense0.kernel:8x16', 'dense0.bias:16', 'dense1.kernel:16x12', 'dense1.bias:12'],
    );
    assert.equal(net.featureDim, 12);
    assert.equal(net.head.length, 13 * 4);
    const acc = accuracy(predictProbabilities(net, test.x, test.n), test.y, 4);
    assert.ok(acc > 0.95, `accuracy ${acc}`);
  });

  test('CNN tells horizontal from vertical bars in 8×8 images (> 95% held-out accuracy)', async () => {
    const train = barImages(400, 8, 5);
    const test = barImages(200, 8, 6);
    const net = await trainNetwork({ ...mlpConfig, kind: 'cnn', convChannels: [4, 8], hidden: [16], epochs: 8 }, train);
    assert.deepEqual(
      net.body.map((a) => `${a.name}:${a.shape.join('x')}`),
      [
        'conv0.kernel:3x3x1x4',
        'conv0.bias:4',
        'conv1.kernel:3x3x4x8',
        'conv1.bias:8',
        'dense.kernel:32x16',
        'dense.bias:16',
      ],
    );
    assert.deepEqual(net.imageShape, [8, 8, 1]);
    const acc = accuracy(predictProbabilities(net, test.x, test.n), test.y, 2);
    assert.ok(acc > 0.95, `accuracy ${acc}`);
  });

  test('same seed and data give bit-identical weights; another seed does not', async () => {
    const data = blobs(100, 5, 3, 7);
    const config = { ...mlpConfig, epochs: 3 };
    const a = allWeights(await trainNetwork(config, data));
    const b = allWeights(await trainNetwork(config, data));
    assert.deepEqual(a, b);
    const c = allWeights(await trainNetwork({ ...config, seed: 43 }, data));
    assert.notDeepEqual(a, c);
  });

  test('no tensors leak: the count is flat across epochs and back to the start afterwards', async () => {
    const data = blobs(100, 5, 3, 8);
    const start = tf.memory().numTensors;
    const runs: [ModelConfig, TrainingData][] = [
      [{ ...mlpConfig, epochs: 4 }, data],
      [{ ...mlpConfig, kind: 'cnn', convChannels: [2, 2], hidden: [4], epochs: 4 }, barImages(40, 7, 1)],
    ];
    for (const [config, set] of runs) {
      const perEpoch: number[] = [];
      await trainNetwork(config, set, { onProgress: () => perEpoch.push(tf.memory().numTensors) });
      assert.equal(new Set(perEpoch).size, 1, `${config.kind}: tensors per epoch ${perEpoch.join(', ')}`);
      assert.equal(tf.memory().numTensors, start);
    }
  });

  test('reports progress once per epoch with a decreasing loss', async () => {
    const seen: { epoch: number; epochs: number; loss: number }[] = [];
    await trainNetwork({ ...mlpConfig, epochs: 5 }, blobs(200, 5, 3, 9), { onProgress: (p) => seen.push(p) });
    assert.deepEqual(
      seen.map((p) => p.epoch),
      [1, 2, 3, 4, 5],
    );
    assert.ok(seen.every((p) => p.epochs === 5 && Number.isFinite(p.loss)));
    assert.ok(seen[4].loss < seen[0].loss);
  });

  test('an aborted signal stops training with CancelledError and frees its tensors', async () => {
    const start = tf.memory().numTensors;
    const controller = new AbortController();
    let epochs = 0;
    const run = trainNetwork({ ...mlpConfig, epochs: 1000 }, blobs(200, 5, 3, 10), {
      signal: controller.signal,
      onProgress: () => {
        if (++epochs === 2) controller.abort();
      },
    });
    await assert.rejects(run, CancelledError);
    assert.equal(epochs, 2);
    assert.equal(tf.memory().numTensors, start);
  });

  test('rejects inconsistent data and a CNN without an image shape', async () => {
    const data = blobs(10, 4, 2, 1);
    await assert.rejects(trainNetwork(mlpConfig, { ...data, n: 11 }), /x has/);
    await assert.rejects(trainNetwork({ ...mlpConfig, kind: 'cnn', convChannels: [2] }, data), /image/);
    await assert.rejects(trainNetwork(mlpConfig, { ...data, y: Int32Array.from(data.y, () => 5) }), /label 5/);
  });
});
