/**
 * The transpose-free BatchMatMul gradient: first derivatives for all four
 * transpose flags and a second derivative through it, against float64.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/compute/tf/backend';

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

/** Row-major float64 matMul of op(a) [m×k] and op(b) [k×n]. */
function matMul64(
  a: number[],
  ra: number,
  ca: number,
  ta: boolean,
  b: number[],
  rb: number,
  cb: number,
  tb: boolean,
): number[] {
  const at = (i: number, j: number) => (ta ? a[j * ca + i] : a[i * ca + j]);
  const bt = (i: number, j: number) => (tb ? b[j * cb + i] : b[i * cb + j]);
  const m = ta ? ca : ra;
  const k = ta ? ra : ca;
  const n = tb ? rb : cb;
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[i * n + j] += at(i, p) * bt(p, j);
  return out;
}

const A = [0.5, -1.2, 0.3, 2.0, 0.7, -0.4]; // 2×3 stored
const B = [1.1, -0.6, 0.2, 0.9, -1.5, 0.8]; // 3×2 or 2×3 stored
const G = [0.3, -0.2, 1.4, 0.6]; // weights on the 2×2 output

for (const [ta, tb] of [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const) {
  test(`matMul gradient, transposeA=${ta} transposeB=${tb}, vs float64 finite differences`, () => {
    // Shapes such that op(a) is 2×3 and op(b) is 3×2.
    const [ra, ca] = ta ? [3, 2] : [2, 3];
    const [rb, cb] = tb ? [2, 3] : [3, 2];
    const loss = (a: number[], b: number[]) =>
      matMul64(a, ra, ca, ta, b, rb, cb, tb).reduce((s, c, i) => s + G[i] * c, 0);
    const eps = 1e-6;
    const fd = (which: 'a' | 'b') =>
      (which === 'a' ? A : B).map((_, i) => {
        const plus = (which === 'a' ? A : B).slice();
        const minus = plus.slice();
        plus[i] += eps;
        minus[i] -= eps;
        return which === 'a'
          ? (loss(plus, B) - loss(minus, B)) / (2 * eps)
          : (loss(A, plus) - loss(A, minus)) / (2 * eps);
      });
    const [ga, gb] = tf.tidy(() => {
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, ta, tb), tf.tensor2d(G, [2, 2]))) as tf.Scalar;
      return tf
        .grads(f)([tf.tensor2d(A, [ra, ca]), tf.tensor2d(B, [rb, cb])])
        .map((t) => Array.from(t.dataSync()));
    });
    fd('a').forEach((e, i) => assert.ok(Math.abs(ga[i] - e) < 1e-5, `dA[${i}] ${ga[i]} vs ${e}`));
    fd('b').forEach((e, i) => assert.ok(Math.abs(gb[i] - e) < 1e-5, `dB[${i}] ${gb[i]} vs ${e}`));
  });
}

test('second derivative through matMul: f(a) = ½‖a·B‖² has H·v = (v·B)·Bᵀ', () => {
  const v = [0.2, 1.0, -0.7, 0.4, -0.3, 0.9];
  const hv = tf.tidy(() => {
    const bt = tf.tensor2d(B, [3, 2]);
    const f = (a: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, bt)))) as tf.Scalar;
    const vt = tf.tensor2d(v, [2, 3]);
    return Array.from(
      tf
        .grad((a: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(a), vt)) as tf.Scalar)(tf.tensor2d(A, [2, 3]))
        .dataSync(),
    );
  });
  const vb = matMul64(v, 2, 3, false, B, 3, 2, false);
  const expected = matMul64(vb, 2, 2, false, B, 3, 2, true);
  expected.forEach((e, i) => assert.ok(Math.abs(hv[i] - e) < 1e-5, `Hv[${i}] ${hv[i]} vs ${e}`));
});
