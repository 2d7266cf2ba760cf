/**
 * The adjoint op pairs: each is the exact transpose of its partner (so each
 * is the other's gradient), and second derivatives through them are right.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/compute/tf/backend';
import { extractPatches3x3, foldPatches3x3, sumPool2x2, upsample2x2 } from '../../../src/compute/tf/adjointOps';
import { createRng, normal } from '../../../src/compute/random';

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

function random(shape: number[], seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor4d(
    Float32Array.from({ length: size }, () => normal(rng)),
    shape as [number, number, number, number],
  );
}

function dot(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0]);
}

test('extractPatches3x3 copies each zero-padded 3×3 neighbourhood in (row, column, channel) order', () => {
  const [b, h, w, c] = [2, 4, 5, 3];
  const x = random([b, h, w, c], 1);
  const xs = x.dataSync();
  const p = tf.tidy(() => extractPatches3x3(x).dataSync());
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let di = 0; di < 3; di++) {
          for (let dj = 0; dj < 3; dj++) {
            for (let ch = 0; ch < c; ch++) {
              const ii = i + di - 1;
              const jj = j + dj - 1;
              const expected = ii < 0 || jj < 0 || ii >= h || jj >= w ? 0 : xs[((n * h + ii) * w + jj) * c + ch];
              assert.equal(p[((n * h + i) * w + j) * 9 * c + (di * 3 + dj) * c + ch], expected);
            }
          }
        }
      }
    }
  }
  x.dispose();
});

test('fold is the adjoint of extract, sumPool the adjoint of upsample: <Ax, y> = <x, Aᵀy>', () => {
  tf.tidy(() => {
    const x = random([2, 5, 4, 3], 2);
    const y = random([2, 5, 4, 27], 3);
    const lhs = dot(extractPatches3x3(x), y);
    const rhs = dot(x, foldPatches3x3(y));
    assert.ok(Math.abs(lhs - rhs) < 1e-4 * Math.abs(lhs), `${lhs} vs ${rhs}`);
    const z = random([2, 3, 4, 2], 4);
    const u = random([2, 6, 8, 2], 5);
    const l2 = dot(upsample2x2(z), u);
    const r2 = dot(z, sumPool2x2(u));
    assert.ok(Math.abs(l2 - r2) < 1e-4 * Math.abs(l2), `${l2} vs ${r2}`);
  });
});

test('gradients are the adjoints, and a second derivative through them is exact', () => {
  tf.tidy(() => {
    const x = random([1, 4, 4, 2], 6);
    const y = random([1, 4, 4, 18], 7);
    // d/dx <extract(x), y> = fold(y)
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(extractPatches3x3(t as tf.Tensor4D), y)))(x);
    assert.ok(dot(tf.sub(g, foldPatches3x3(y)), tf.sub(g, foldPatches3x3(y))) < 1e-10);
    // f(x) = ½‖sumPool(upsample-free) extract(x)‖²: H = AᵀA with A = extract, so H·v = fold(extract(v)).
    const f = (t: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(extractPatches3x3(t as tf.Tensor4D)))) as tf.Scalar;
    const v = random([1, 4, 4, 2], 8);
    const hv = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(t), v)))(x);
    const expected = foldPatches3x3(extractPatches3x3(v));
    assert.ok(Math.sqrt(dot(tf.sub(hv, expected), tf.sub(hv, expected)) / dot(expected, expected)) < 1e-6);
    // Same for the pooling pair: f(z) = ½‖upsample(z)‖², H·v = sumPool(upsample(v)) = 4v.
    const z = random([1, 2, 3, 2], 9);
    const vz = random([1, 2, 3, 2], 10);
    const fz = (t: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(upsample2x2(t as tf.Tensor4D)))) as tf.Scalar;
    const hz = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.grad(fz)(t), vz)))(z);
    assert.ok(dot(tf.sub(hz, tf.mul(vz, 4)), tf.sub(hz, tf.mul(vz, 4))) < 1e-10);
  });
});
