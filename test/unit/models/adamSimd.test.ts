import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { AdamFloat32, type AdamArrays } from '../../../src/compute/models/adamFloat32';
import { AdamSimd } from '../../../src/compute/models/adamSimd';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

const settings = { learningRate: 2e-3, decay: 5e-4 };

/** Gradients over many scales, with exact zeros and negative zeros (sign bits must survive too). */
function gradient(rng: () => number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) =>
    i % 17 === 0 ? 0 : i % 19 === 0 ? -0 : normal(rng) * 10 ** (-8 * rng()),
  );
}

function bitsOf(a: Float32Array): number[] {
  return Array.from(new Uint32Array(Float32Array.from(a).buffer));
}

function run(adam: AdamArrays, grads: Float32Array[][]): number[] {
  const squares: number[] = [];
  for (const step of grads) {
    adam.beginStep();
    step.forEach((g, k) => {
      adam.gradients[k].set(g);
      squares.push(adam.update(k));
    });
    adam.endStep();
  }
  return squares;
}

describe('Adam in float32', () => {
  // Sizes that are not multiples of 4: the SIMD loop pads them.
  const rng = createRng(3);
  const initial = [1, 7, 130, 1001].map((n) => Float32Array.from({ length: n }, () => normal(rng)));
  const grads = Array.from({ length: 12 }, () => initial.map((w) => gradient(rng, w.length)));

  test('the SIMD update equals the JavaScript one bit for bit, weights and Σθ²', () => {
    const simd = AdamSimd.create(initial, settings);
    assert.ok(simd, 'this Node has wasm SIMD');
    const js = new AdamFloat32(initial, settings);
    assert.deepEqual(run(simd, grads), run(js, grads));
    simd.weights.forEach((w, k) => assert.deepEqual(bitsOf(w), bitsOf(js.weights[k]), `array ${k}`));
    assert.ok(js.weights[3].some((v, i) => v !== initial[3][i]));
  });

  test('the JavaScript update equals tf.train.adam on the objective’s gradient + decay·2θ', async () => {
    // tf.train.adam minimising Σ gθ + decay·Σθ² (gradient g + decay·2θ) against the loop given g.
    const variables = initial.map((w) => tf.variable(tf.tensor1d(w)));
    const optimizer = tf.train.adam(settings.learningRate);
    const js = new AdamFloat32(initial, settings);
    for (const step of grads) {
      optimizer.minimize(
        () =>
          tf.add(
            tf.addN(variables.map((v, k) => tf.sum(tf.mul(tf.tensor1d(step[k]), v)))),
            tf.mul(settings.decay, tf.addN(variables.map((v) => tf.sum(tf.square(v))))),
          ) as tf.Scalar,
      );
    }
    run(js, grads);
    variables.forEach((v, k) => assert.deepEqual(bitsOf(v.dataSync() as Float32Array), bitsOf(js.weights[k])));
    variables.forEach((v) => v.dispose());
    optimizer.dispose();
  });
});
