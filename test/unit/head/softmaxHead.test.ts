import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import {
  headHessian,
  headHessianVectorProduct,
  headLosses,
  headObjective,
  headProbabilities,
  perSampleGradients,
} from '../../../src/compute/head/softmaxHead';
import { createFastHeadHvp } from '../../../src/compute/head/fastHeadObjective';
import { fitHead } from '../../../src/compute/head/fitHead';
import { polishHeadNewton } from '../../../src/compute/head/polishHead';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';
import { blobs, maxRelativeError } from '../../helpers/synthetic';

const F = 4;
const C = 3;
const shape = { featureDim: F, numClasses: C };
const P = (F + 1) * C;
const data = blobs(50, F, C, 11, 0.1);
const l2 = 0.5;
const rng = createRng(12);
const w = Float64Array.from({ length: P }, () => 0.3 * normal(rng));

before(async () => {
  await initBackend('wasm');
});

function objectiveValue(at: Float64Array): number {
  return headObjective(data, shape, l2).evaluate(at, new Float64Array(P));
}

test('the objective gradient matches central finite differences in float64', () => {
  const grad = new Float64Array(P);
  headObjective(data, shape, l2).evaluate(w, grad);
  const h = 1e-6;
  const fd = new Float64Array(P);
  for (let q = 0; q < P; q++) {
    const plus = Float64Array.from(w);
    const minus = Float64Array.from(w);
    plus[q] += h;
    minus[q] -= h;
    fd[q] = (objectiveValue(plus) - objectiveValue(minus)) / (2 * h);
  }
  assert.ok(maxRelativeError(grad, fd) < 1e-7, `${maxRelativeError(grad, fd)}`);
});

test('per-sample gradients sum (plus l2·w) to the objective gradient', () => {
  const probs = headProbabilities(data, shape, w);
  const rows = new Float32Array(data.n * P);
  perSampleGradients(data, shape, probs, 0, data.n, rows);
  const sum = Float64Array.from(w, (v) => l2 * v);
  for (let i = 0; i < data.n; i++) for (let q = 0; q < P; q++) sum[q] += rows[i * P + q];
  const grad = new Float64Array(P);
  headObjective(data, shape, l2).evaluate(w, grad);
  assert.ok(maxRelativeError(sum, grad) < 1e-6);
});

test('the Hessian matches finite differences of the float64 gradient, and HVPs match the Hessian', () => {
  const probs = headProbabilities(data, shape, w);
  const hessian = headHessian(data, shape, probs, l2);
  const h = 1e-5;
  const fdHessian = new Float64Array(P * P);
  for (let q = 0; q < P; q++) {
    const gPlus = new Float64Array(P);
    const gMinus = new Float64Array(P);
    const plus = Float64Array.from(w);
    const minus = Float64Array.from(w);
    plus[q] += h;
    minus[q] -= h;
    headObjective(data, shape, l2).evaluate(plus, gPlus);
    headObjective(data, shape, l2).evaluate(minus, gMinus);
    for (let r = 0; r < P; r++) fdHessian[r * P + q] = (gPlus[r] - gMinus[r]) / (2 * h);
  }
  // The blocks are float32 matMuls: agreement to ~1e-6 relative is the expectation.
  assert.ok(maxRelativeError(hessian, fdHessian) < 1e-5, `${maxRelativeError(hessian, fdHessian)}`);
  const v = Float64Array.from({ length: P }, () => normal(rng));
  const hv = headHessianVectorProduct(data, shape, probs, l2, v);
  const reference = new Float64Array(P);
  for (let r = 0; r < P; r++) for (let q = 0; q < P; q++) reference[r] += fdHessian[r * P + q] * v[q];
  assert.ok(maxRelativeError(hv, reference) < 1e-6, `${maxRelativeError(hv, reference)}`);
});

test('fitHead then one Newton polish reach the optimum to float64 precision', () => {
  const big = blobs(600, 16, 4, 13, 0.1);
  const bigShape = { featureDim: 16, numClasses: 4 };
  const fit = fitHead(big, bigShape, 600 * 1e-3);
  const polished = polishHeadNewton(big, bigShape, 600 * 1e-3, fit.head);
  assert.ok(polished.meanGradNorm < 1e-9, `mean gradient ${polished.meanGradNorm}`);
  assert.ok(polished.meanGradNorm <= fit.meanGradNorm);
  // Losses are well-formed probabilities' cross-entropies.
  const losses = headLosses(polished.probs, big.y, 4);
  assert.ok(losses.every((x) => Number.isFinite(x) && x >= 0));
});

test('the fast float32 HVP agrees with the float64 closed form', () => {
  const big = blobs(500, 12, 5, 17, 0.1);
  const bigShape = { featureDim: 12, numClasses: 5 };
  const head = Float64Array.from({ length: 13 * 5 }, () => 0.2 * normal(rng));
  const probs = headProbabilities(big, bigShape, head);
  const v = Float64Array.from({ length: 13 * 5 }, () => normal(rng));
  const fast = createFastHeadHvp(big, bigShape, probs, 3);
  const got = fast.hvp(v);
  fast.dispose();
  const expected = headHessianVectorProduct(big, bigShape, probs, 3, v);
  assert.ok(maxRelativeError(got, expected) < 1e-5, `${maxRelativeError(got, expected)}`);
});

test('a head of 768+ parameters sums its Hessian over row ranges in float64: closer to the exact one', () => {
  // P = 64·12 = 768 (MIXED_PRECISION.minSize) and 12k rows: one float32 sum over all rows drifts measurably.
  const f = 63;
  const c = 12;
  const wide = { featureDim: f, numClasses: c };
  const d = f + 1;
  const many = blobs(12000, f, c, 19, 0.1, 1.5);
  const at = Float64Array.from({ length: d * c }, () => 0.05 * normal(rng));
  const probs = headProbabilities(many, wide, at);
  const hessian = headHessian(many, wide, probs, 0);
  // Float64 references of a few class-pair blocks, and the same blocks as one float32 product over all rows.
  for (const [ca, cb] of [
    [0, 0],
    [3, 7],
    [11, 11],
  ]) {
    const exact = new Float64Array(d * d);
    const weights = new Float32Array(many.n);
    const scaled = new Float32Array(d * many.n);
    const rows = new Float32Array(many.n * d);
    for (let i = 0; i < many.n; i++) {
      const pa = probs[i * c + ca];
      const weight = (ca === cb ? pa : 0) - pa * probs[i * c + cb];
      weights[i] = weight;
      const row = (j: number) => (j === f ? 1 : many.phi[i * f + j]);
      for (let j = 0; j < d; j++) {
        for (let l = 0; l < d; l++) exact[j * d + l] += Math.fround(weight) * row(j) * row(l);
        scaled[j * many.n + i] = Math.fround(Math.fround(weight) * row(j));
        rows[i * d + j] = row(j);
      }
    }
    const single = tf.tidy(() => tf.matMul(tf.tensor2d(scaled, [d, many.n]), tf.tensor2d(rows, [many.n, d])));
    const once = single.dataSync();
    single.dispose();
    const formed = new Float64Array(d * d);
    for (let j = 0; j < d; j++)
      for (let l = 0; l < d; l++) formed[j * d + l] = hessian[(j * c + ca) * d * c + l * c + cb];
    const ranges = maxRelativeError(formed, exact);
    const whole = maxRelativeError(once, exact);
    assert.ok(ranges <= 1e-6, `block (${ca}, ${cb}): ${ranges}`);
    assert.ok(ranges < whole / 3, `block (${ca}, ${cb}): ranges ${ranges}, one sum ${whole}`);
  }
});
