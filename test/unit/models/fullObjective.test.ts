/**
 * The full-network objective (value, gradient, per-sample quantities and
 * Hessian-vector products) against an independent float64 reference.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/compute/tf/backend';
import { createFullObjective, createObjectiveFor, type FullObjective } from '../../../src/compute/models/fullObjective';
import { createMlpBody } from '../../../src/compute/models/mlp';
import { trainNetwork } from '../../../src/compute/models/train';
import type { ModelConfig, TrainingData } from '../../../src/compute/models/types';
import { createRng, normal } from '../../../src/compute/random';
import { type RefArch, refHvp, refLayout, refObjective, relativeError } from './f64Reference';
import { barImages, blobs } from './synthetic';

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

function randomVector(length: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length }, () => normal(rng));
}

/** Checks every method of `obj` against the float64 reference at obj's θ. */
function checkAgainstReference(obj: FullObjective, arch: RefArch, data: TrainingData, l2: number): string {
  const theta = obj.flatten();
  const expectedSize = refLayout(arch).reduce((s, b) => s + b.shape.reduce((p, q) => p * q, 1), 0);
  assert.equal(obj.numParams, expectedSize);
  const ref = refObjective(arch, theta, data, l2);

  assert.ok(Math.abs(obj.value() - ref.value) / Math.abs(ref.value) < 1e-5, `value ${obj.value()} vs ${ref.value}`);
  const losses = obj.lossPerSample();
  assert.ok(relativeError(losses, ref.losses) < 1e-5, 'lossPerSample');
  assert.ok(
    relativeError(obj.gradient(), ref.gradient) < 1e-4,
    `gradient error ${relativeError(obj.gradient(), ref.gradient)}`,
  );

  // Per-sample and group gradients carry no regulariser.
  const one = { x: data.x.subarray(2 * data.dims, 3 * data.dims), y: data.y.subarray(2, 3), n: 1, dims: data.dims };
  const refOne = refObjective(arch, theta, one, 0).gradient;
  assert.ok(relativeError(obj.perSampleGradient(2), refOne) < 1e-4, 'perSampleGradient(index)');
  assert.ok(
    relativeError(obj.perSampleGradient({ x: Float32Array.from(one.x), label: one.y[0] }), refOne) < 1e-4,
    'perSampleGradient(sample)',
  );

  const errors: number[] = [];
  for (const seed of [1, 2]) {
    const v = randomVector(obj.numParams, seed);
    const expected = refHvp(arch, theta, v, data, l2);
    // The λv part is trivially right; make sure the curvature part is not negligible.
    assert.ok(
      relativeError(
        v.map((a) => a * l2),
        expected,
      ) > 0.5,
      'test too weak: λv dominates H·v',
    );
    const err = relativeError(obj.hvp(v), expected);
    errors.push(err);
    assert.ok(err < 2e-5, `hvp relative error ${err.toExponential(2)}`);
  }
  // Group HVP: samples {0, 3}, no λ term.
  const v = randomVector(obj.numParams, 9);
  const pick = (i: number) => ({
    x: data.x.subarray(i * data.dims, (i + 1) * data.dims),
    y: data.y.subarray(i, i + 1),
    n: 1,
    dims: data.dims,
  });
  const groupRef = refHvp(arch, theta, v, pick(0), 0).map((a, i) => a + refHvp(arch, theta, v, pick(3), 0)[i]);
  const groupErr = relativeError(obj.hvp(v, Int32Array.of(0, 3)), groupRef);
  assert.ok(groupErr < 2e-5, 'group hvp');
  return `hvp relative errors ${errors.map((e) => e.toExponential(1)).join(', ')}; group ${groupErr.toExponential(1)}`;
}

const base: Omit<ModelConfig, 'kind'> = {
  hidden: [6, 4],
  convChannels: [],
  weightDecay: 0.01,
  epochs: 3,
  batchSize: 4,
  learningRate: 0.05,
  seed: 7,
};

describe('full-network objective vs float64 reference', () => {
  test('ReLU MLP (trained a little, so ReLUs are mixed on and off)', async (t) => {
    const data = blobs(12, 5, 3, 11, 1);
    const net = await trainNetwork({ ...base, kind: 'mlp' }, data);
    const obj = createFullObjective(net, data);
    try {
      t.diagnostic(
        checkAgainstReference(
          obj,
          { kind: 'mlp', dims: 5, hidden: [6, 4], activation: 'relu', numClasses: 3 },
          data,
          data.n * base.weightDecay,
        ),
      );
    } finally {
      obj.dispose();
    }
  });

  for (const activation of ['tanh', 'sigmoid'] as const) {
    test(`${activation} MLP (exercises the Tanh/Sigmoid gradient fixes)`, (t) => {
      const data = blobs(10, 4, 3, 5, 1);
      const body = createMlpBody(4, [5, 3], activation);
      const arch: RefArch = { kind: 'mlp', dims: 4, hidden: [5, 3], activation, numClasses: 3 };
      const rng = createRng(3);
      const params = refLayout(arch).map((b) =>
        tf.tensor(
          Float32Array.from({ length: b.shape.reduce((p, q) => p * q, 1) }, () => 0.8 * normal(rng)),
          b.shape,
        ),
      );
      const obj = createObjectiveFor(body, params, data, 0.3, { batchSize: 4 });
      try {
        t.diagnostic(checkAgainstReference(obj, arch, data, 0.3));
      } finally {
        obj.dispose();
      }
    });
  }

  test('tiny im2col CNN: 6×6×1, conv [2, 3] (odd map after the first pool), dense 4', async (t) => {
    const data = barImages(8, 6, 4, 0.2);
    const net = await trainNetwork({ ...base, kind: 'cnn', hidden: [4], convChannels: [2, 3], epochs: 2 }, data);
    const obj = createFullObjective(net, data, { batchSize: 3 });
    try {
      t.diagnostic(
        checkAgainstReference(
          obj,
          { kind: 'cnn', image: [6, 6, 1], conv: [2, 3], dense: 4, numClasses: 2 },
          data,
          data.n * base.weightDecay,
        ),
      );
    } finally {
      obj.dispose();
    }
  });

  test('CNN on noise-free images (flat regions: exactly tied pooling windows)', async (t) => {
    const data = barImages(6, 6, 12, 0);
    const net = await trainNetwork({ ...base, kind: 'cnn', hidden: [4], convChannels: [2], epochs: 2 }, data);
    const obj = createFullObjective(net, data);
    try {
      t.diagnostic(
        checkAgainstReference(
          obj,
          { kind: 'cnn', image: [6, 6, 1], conv: [2], dense: 4, numClasses: 2 },
          data,
          data.n * base.weightDecay,
        ),
      );
    } finally {
      obj.dispose();
    }
  });

  test('logistic regression: the flat vector ends with the head exactly', async () => {
    const data = blobs(20, 3, 2, 1);
    const net = await trainNetwork({ ...base, kind: 'logreg' }, data);
    const obj = createFullObjective(net, data);
    try {
      assert.deepEqual(Array.from(obj.flatten()), Array.from(net.head, Math.fround));
      assert.deepEqual(
        obj.layout.map((b) => b.name),
        ['head.kernel', 'head.bias'],
      );
    } finally {
      obj.dispose();
    }
  });

  test('leaves no tensors behind and refuses use after dispose', async () => {
    const data = blobs(12, 5, 3, 11, 1);
    const net = await trainNetwork({ ...base, kind: 'mlp', epochs: 1 }, data);
    const before = tf.memory().numTensors;
    const obj = createFullObjective(net, data);
    obj.hvp(randomVector(obj.numParams, 1));
    obj.gradient();
    obj.lossPerSample();
    obj.perSampleGradient(0);
    obj.dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => obj.gradient(), /disposed/);
  });
});
