import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/compute/tf/backend';
import { trainNetwork } from '../../../src/compute/models/train';
import type { ModelConfig, TrainedNetwork, TrainingData } from '../../../src/compute/models/types';
import { barImages, blobs } from './synthetic';

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

const mlp: ModelConfig = {
  kind: 'mlp',
  hidden: [16, 12],
  convChannels: [],
  weightDecay: 1e-3,
  epochs: 4,
  batchSize: 32,
  learningRate: 0.01,
  seed: 5,
};

/** Every weight's bits (checkpoints included), so that -0 and +0 count as different. */
function bits(net: TrainedNetwork): number[] {
  const arrays = [
    ...net.body.map((a) => a.data),
    Float32Array.from(net.head),
    ...(net.checkpoints ?? []).flatMap((c) => [...c.body.map((a) => a.data), Float32Array.from(c.head)]),
  ];
  return arrays.flatMap((a) => Array.from(new Uint32Array(Float32Array.from(a).buffer)));
}

async function both(config: ModelConfig, data: TrainingData, rows?: Int32Array) {
  const losses: Record<'tape' | 'dense', number[]> = { tape: [], dense: [] };
  const run = (trainer: 'tape' | 'dense') =>
    trainNetwork(config, data, {
      trainer,
      rows,
      checkpoints: true,
      onProgress: (p) => losses[trainer].push(p.loss),
    });
  return { tape: await run('tape'), dense: await run('dense'), losses };
}

describe('the dense trainer', () => {
  test('gives the tape trainer’s weights bit for bit: two ReLU layers, a last batch of one sample', async () => {
    // 97 = 3·32 + 1: the last step of every epoch has m = 1.
    const data = blobs(97, 7, 4, 11);
    const { tape, dense, losses } = await both(mlp, data);
    assert.equal(tape.checkpoints?.length, 4);
    assert.deepEqual(bits(dense), bits(tape));
    assert.deepEqual(losses.dense, losses.tape);
    // The weights moved: a trainer that did nothing would also "agree".
    assert.ok(tape.body[0].data.some((v, i) => v !== dense.checkpoints![0].body[0].data[i] || v !== 0));
    assert.ok(losses.tape[3] < losses.tape[0]);
  });

  test('same for logistic regression and for a subset of rows of a larger x', async () => {
    const data = blobs(150, 6, 3, 12);
    const rows = Int32Array.from({ length: 90 }, (_, k) => (k * 7) % 150);
    const subset = { ...data, y: Int32Array.from(rows, (r) => data.y[r]), n: rows.length };
    for (const config of [
      { ...mlp, kind: 'logreg' as const, hidden: [] },
      { ...mlp, hidden: [10] },
    ]) {
      const { tape, dense, losses } = await both(config, subset, rows);
      assert.deepEqual(bits(dense), bits(tape), config.kind);
      assert.deepEqual(losses.dense, losses.tape, config.kind);
    }
  });

  test('a batch larger than the data, and dead ReLUs from a large learning rate', async () => {
    const data = blobs(20, 5, 3, 13);
    const { tape, dense } = await both({ ...mlp, hidden: [8], batchSize: 64, learningRate: 0.5, epochs: 6 }, data);
    assert.deepEqual(bits(dense), bits(tape));
  });

  test('features no training row uses (MNIST’s borders) leave the first layer’s products: no bit changes', async () => {
    // 12 features, 4 never used by any row: the products take the other 8 (inputColumns.ts).
    const unused = [0, 5, 6, 11];
    const data = blobs(70, 12, 3, 15);
    for (let i = 0; i < data.n; i++) for (const j of unused) data.x[i * 12 + j] = 0;
    const { tape, dense, losses } = await both(mlp, data);
    assert.deepEqual(bits(dense), bits(tape));
    assert.deepEqual(losses.dense, losses.tape);
    // The unused features' weights still decay, as the tape's do: they are not frozen at their start.
    const w0 = dense.body[0].data;
    const start = dense.checkpoints![0].body[0].data;
    assert.ok(w0.subarray(0, 16).some((v, k) => v !== start[k]));

    // A fold: rows outside it use a feature its own rows never use. Logistic regression (one layer) too.
    const rows = Int32Array.from({ length: 50 }, (_, k) => k + 10);
    for (let i = 0; i < 10; i++) data.x[i * 12 + 5] = 3;
    const fold = { ...data, y: Int32Array.from(rows, (r) => data.y[r]), n: rows.length };
    for (const config of [mlp, { ...mlp, kind: 'logreg' as const, hidden: [] }]) {
      const pair = await both(config, fold, rows);
      assert.deepEqual(bits(pair.dense), bits(pair.tape), config.kind);
      assert.deepEqual(pair.losses.dense, pair.losses.tape, config.kind);
    }
  });

  test('leaves no tensors behind; refuses the CNN', async () => {
    const start = tf.memory().numTensors;
    await trainNetwork(mlp, blobs(40, 5, 3, 14), { trainer: 'dense' });
    assert.equal(tf.memory().numTensors, start);
    await assert.rejects(
      trainNetwork({ ...mlp, kind: 'cnn', convChannels: [2] }, barImages(10, 6, 1), { trainer: 'dense' }),
      /dense trainer/,
    );
  });
});
