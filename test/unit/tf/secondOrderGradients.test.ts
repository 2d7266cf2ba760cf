/**
 * Each second-order fix against a float64 reference: the Hessian-vector
 * product from double backprop vs a central finite difference of an exact
 * float64 gradient written here in plain JS.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/compute/tf/backend';
import { logSumExp, softmaxCrossEntropy } from '../../../src/compute/tf/secondOrderGradients';

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

/** (g(x + εv) − g(x − εv)) / 2ε in float64. */
function fdHvp(grad: (x: number[]) => number[], x: number[], v: number[], eps = 1e-6): number[] {
  const gp = grad(x.map((a, i) => a + eps * v[i]));
  const gm = grad(x.map((a, i) => a - eps * v[i]));
  return gp.map((a, i) => (a - gm[i]) / (2 * eps));
}

/** H·v of a scalar tfjs function by double backprop. */
function tfHvp(f: (x: tf.Tensor) => tf.Scalar, x: number[], v: number[], shape: number[] = [x.length]): number[] {
  return tf.tidy(() => {
    const vt = tf.tensor(v, shape);
    const hv = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(t), vt)) as tf.Scalar)(tf.tensor(x, shape));
    return Array.from(hv.dataSync());
  });
}

function relErr(a: number[], b: number[]): number {
  let num = 0;
  let den = 0;
  a.forEach((ai, i) => {
    num += (ai - b[i]) ** 2;
    den += b[i] ** 2;
  });
  return Math.sqrt(num / den);
}

const X = [0.3, -0.7, 1.2, -1.9, 0.05];
const V = [1, -2, 0.5, 0.7, -1.1];
const W = [0.4, -1.3, 0.9, 0.2, 1.5];
const U = [1.1, 0.6, -0.8, 1.7, -0.3];

/**
 * f(x) = Σ w_i a(x_i) + ½(Σ u_i a(x_i))²: the first term needs a″ (lost when
 * the saved output is disconnected), the second needs a′ on both passes.
 */
const activations = [
  { name: 'Exp', op: tf.exp, d: (x: number) => Math.exp(x), f: (x: number) => Math.exp(x) },
  {
    name: 'Sigmoid',
    op: tf.sigmoid,
    d: (x: number) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 - s);
    },
    f: (x: number) => 1 / (1 + Math.exp(-x)),
  },
  { name: 'Tanh', op: tf.tanh, d: (x: number) => 1 - Math.tanh(x) ** 2, f: Math.tanh },
];

describe('second-order gradient fixes', () => {
  for (const a of activations) {
    test(`${a.name}: double backprop matches a float64 finite difference`, () => {
      const f = (t: tf.Tensor) =>
        tf.tidy(() => {
          const y = a.op(t);
          const s = tf.sum(tf.mul(y, tf.tensor1d(U)));
          return tf.add(tf.sum(tf.mul(y, tf.tensor1d(W))), tf.mul(0.5, tf.square(s))) as tf.Scalar;
        });
      const grad = (x: number[]) => {
        const s = x.reduce((acc, xi, i) => acc + U[i] * a.f(xi), 0);
        return x.map((xi, i) => a.d(xi) * (W[i] + U[i] * s));
      };
      const err = relErr(tfHvp(f, X, V), fdHvp(grad, X, V));
      assert.ok(err < 1e-5, `${a.name} HVP relative error ${err}`);
    });
  }

  test('comparison ops have (zero) gradients, so they can sit inside a differentiated graph', () => {
    const ops = [tf.equal, tf.greater, tf.greaterEqual, tf.less, tf.lessEqual, tf.notEqual];
    for (const op of ops) {
      const g = tf.tidy(() =>
        Array.from(
          tf
            .grad((t: tf.Tensor) => tf.sum(tf.mul(t, tf.cast(op(t, tf.scalar(0.1)), 'float32'))) as tf.Scalar)(
              tf.tensor1d(X),
            )
            .dataSync(),
        ),
      );
      // d/dx [x · 1(x op 0.1)] = 1(x op 0.1) away from the threshold.
      const expected = Array.from(tf.tidy(() => tf.cast(op(tf.tensor1d(X), tf.scalar(0.1)), 'float32').dataSync()));
      assert.deepEqual(g, expected, op.name);
    }
  });

  test("Max: second derivative through Max's gradient (needs Equal's)", () => {
    // f(X) = Σ_r (max_k X_rk)² + Σ_r c_r·max_k X_rk over rows of a 2×5 matrix.
    const x = [...X, 0.9, -0.2, 2.4, 1.1, -3];
    const v = [...V, -0.4, 0.8, 1.3, -0.6, 0.2];
    const c = [0.7, -1.2];
    const f = (t: tf.Tensor) =>
      tf.tidy(() => {
        const m = tf.max(t, 1);
        return tf.add(tf.sum(tf.square(m)), tf.sum(tf.mul(m, tf.tensor1d(c)))) as tf.Scalar;
      });
    const grad = (z: number[]) => {
      const g = new Array<number>(z.length).fill(0);
      for (let r = 0; r < 2; r++) {
        const row = z.slice(5 * r, 5 * r + 5);
        const k = row.indexOf(Math.max(...row));
        g[5 * r + k] = 2 * row[k] + c[r];
      }
      return g;
    };
    const err = relErr(tfHvp(f, x, v, [2, 5]), fdHvp(grad, x, v));
    assert.ok(err < 1e-6, `Max HVP relative error ${err}`);
  });
});

describe('softmaxCrossEntropy (log-sum-exp form)', () => {
  const logits = [0.3, -0.7, 1.2, 2.0, -1.0, 0.1];
  const labels = [1, 0, 0, 0, 0, 1];
  const refLoss = (z: number[]) => {
    let total = 0;
    for (let r = 0; r < 2; r++) {
      const row = z.slice(3 * r, 3 * r + 3);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, a) => s + Math.exp(a - m), 0));
      total += lse - row.reduce((s, a, k) => s + labels[3 * r + k] * a, 0);
    }
    return total;
  };
  const refGrad = (z: number[]) => {
    const g: number[] = [];
    for (let r = 0; r < 2; r++) {
      const row = z.slice(3 * r, 3 * r + 3);
      const m = Math.max(...row);
      const s = row.reduce((acc, a) => acc + Math.exp(a - m), 0);
      row.forEach((a, k) => g.push(Math.exp(a - m) / s - labels[3 * r + k]));
    }
    return g;
  };
  const ce = (reduction: 'sum' | 'mean') => (t: tf.Tensor) =>
    softmaxCrossEntropy(t as tf.Tensor2D, tf.tensor2d(labels, [2, 3]), reduction) as tf.Scalar;

  test('value, gradient and HVP match float64 (sum)', () => {
    const value = tf.tidy(() => ce('sum')(tf.tensor2d(logits, [2, 3])).dataSync()[0]);
    assert.ok(Math.abs(value - refLoss(logits)) < 1e-6);
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad(ce('sum'))(tf.tensor2d(logits, [2, 3]))
          .dataSync(),
      ),
    );
    assert.ok(relErr(g, refGrad(logits)) < 1e-6);
    const err = relErr(tfHvp(ce('sum'), logits, [...V, 0.3], [2, 3]), fdHvp(refGrad, logits, [...V, 0.3]));
    assert.ok(err < 1e-5, `CE HVP relative error ${err}`);
  });

  test("'mean' halves the 2-row sum and 'none' gives one value per row", () => {
    const [sum, mean, rows] = tf.tidy(() => {
      const z = tf.tensor2d(logits, [2, 3]);
      const y = tf.tensor2d(labels, [2, 3]);
      return [
        softmaxCrossEntropy(z, y, 'sum').dataSync()[0],
        softmaxCrossEntropy(z, y, 'mean').dataSync()[0],
        Array.from(softmaxCrossEntropy(z, y, 'none').dataSync()),
      ] as const;
    });
    assert.ok(Math.abs(mean - sum / 2) < 1e-6);
    assert.equal(rows.length, 2);
    assert.ok(Math.abs(rows[0] + rows[1] - sum) < 1e-5);
  });

  test('stable for huge logits (max-subtraction), with a finite gradient', () => {
    const big = [1000, 0, -1000, 500, 502, 499];
    const value = tf.tidy(() => ce('sum')(tf.tensor2d(big, [2, 3])).dataSync()[0]);
    assert.ok(Math.abs(value - refLoss(big)) < 1e-3, `${value} vs ${refLoss(big)}`);
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad(ce('sum'))(tf.tensor2d(big, [2, 3]))
          .dataSync(),
      ),
    );
    assert.ok(g.every(Number.isFinite));
    assert.ok(relErr(g, refGrad(big)) < 1e-6);
    const lse = tf.tidy(() => Array.from(logSumExp(tf.tensor2d(big, [2, 3])).dataSync()));
    assert.ok(Math.abs(lse[0] - 1000) < 1e-3);
  });
});
