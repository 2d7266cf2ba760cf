/**
 * One-step Newton leave-one-out influence on tiny softmax regressions with
 * almost no weight decay (where leverage matters), checked against
 * (a) a dense float64 solve of (H − H_i)Δθ = g_i written here, and
 * (b) actual leave-one-out retraining to convergence by Newton's method,
 * also written here: all the references are independent of src/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HeadData, HeadShape } from '../../../src/compute/head/softmaxHead';
import { dampedCholesky } from '../../../src/compute/linalg/cholesky';
import { computeNewtonStepInfluence } from '../../../bench/study/newtonStepInfluence';
import { blobs, gaussSolve, maxRelativeError, withoutSample } from '../../helpers/synthetic';
import { contrastFactorOf } from '../../helpers/contrastFactor';

// ---- float64 reference for softmax regression (layout: index j·C + c is W[j][c], last row bias) ----

function augmented(data: HeadData, f: number, i: number): number[] {
  return [...Array.from(data.phi.subarray(i * f, (i + 1) * f)), 1];
}

function softmaxRow(x: number[], w: Float64Array, c: number): number[] {
  const logits = Array.from({ length: c }, (_, k) => x.reduce((s, xj, j) => s + xj * w[j * c + k], 0));
  const max = Math.max(...logits);
  const e = logits.map((z) => Math.exp(z - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function probsOf(data: HeadData, shape: HeadShape, w: Float64Array): Float64Array {
  const out = new Float64Array(data.n * shape.numClasses);
  for (let i = 0; i < data.n; i++)
    out.set(softmaxRow(augmented(data, shape.featureDim, i), w, shape.numClasses), i * shape.numClasses);
  return out;
}

function lossesOf(data: HeadData, shape: HeadShape, w: Float64Array): number[] {
  return Array.from(
    { length: data.n },
    (_, i) => -Math.log(softmaxRow(augmented(data, shape.featureDim, i), w, shape.numClasses)[data.y[i]]),
  );
}

/** ∇L_i = x̃ ⊗ (p − e_y). */
function gradientOf(data: HeadData, shape: HeadShape, w: Float64Array, i: number): Float64Array {
  const c = shape.numClasses;
  const x = augmented(data, shape.featureDim, i);
  const r = softmaxRow(x, w, c);
  r[data.y[i]] -= 1;
  const g = new Float64Array(x.length * c);
  x.forEach((xj, j) => r.forEach((rk, k) => (g[j * c + k] = xj * rk)));
  return g;
}

/** ∇²L_i = x̃x̃ᵀ ⊗ (diag(p) − ppᵀ), dense P × P. */
function sampleHessianOf(data: HeadData, shape: HeadShape, w: Float64Array, i: number): Float64Array {
  const c = shape.numClasses;
  const x = augmented(data, shape.featureDim, i);
  const p = softmaxRow(x, w, c);
  const size = x.length * c;
  const h = new Float64Array(size * size);
  for (let j = 0; j < x.length; j++)
    for (let a = 0; a < c; a++)
      for (let l = 0; l < x.length; l++)
        for (let b = 0; b < c; b++)
          h[(j * c + a) * size + l * c + b] = x[j] * x[l] * ((a === b ? p[a] : 0) - p[a] * p[b]);
  return h;
}

/** Hessian of R = Σ L_i + (l2/2)‖W‖², dense. */
function hessianOf(data: HeadData, shape: HeadShape, w: Float64Array, l2: number): Float64Array {
  const size = w.length;
  const h = new Float64Array(size * size);
  for (let i = 0; i < data.n; i++) {
    const hi = sampleHessianOf(data, shape, w, i);
    for (let q = 0; q < h.length; q++) h[q] += hi[q];
  }
  for (let q = 0; q < size; q++) h[q * size + q] += l2;
  return h;
}

function objectiveOf(
  data: HeadData,
  shape: HeadShape,
  w: Float64Array,
  l2: number,
): { value: number; grad: Float64Array } {
  const grad = Float64Array.from(w, (v) => l2 * v);
  for (let i = 0; i < data.n; i++) gradientOf(data, shape, w, i).forEach((g, q) => (grad[q] += g));
  const value = lossesOf(data, shape, w).reduce((a, b) => a + b, 0) + 0.5 * l2 * w.reduce((s, v) => s + v * v, 0);
  return { value, grad };
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, q) => s + x * b[q], 0);

/** Newton's method with backtracking, to ‖∇R‖ ≤ 1e-11 (float64 floor on these sizes). */
function newtonFit(data: HeadData, shape: HeadShape, l2: number, start: Float64Array): Float64Array {
  let w = Float64Array.from(start);
  let { value, grad } = objectiveOf(data, shape, w, l2);
  for (let step = 0; step < 200 && norm(grad) > 1e-11; step++) {
    const d = gaussSolve(hessianOf(data, shape, w, l2), w.length, grad);
    let t = 1;
    for (let tries = 0; tries < 60; tries++, t *= 0.5) {
      const trial = Float64Array.from(w, (v, q) => v - t * d[q]);
      const next = objectiveOf(data, shape, trial, l2);
      // Near the optimum the objective no longer resolves a decrease in float64: a smaller gradient also counts.
      if (next.value < value || norm(next.grad) < norm(grad)) {
        w = trial;
        ({ value, grad } = next);
        break;
      }
    }
  }
  assert.ok(norm(grad) <= 1e-9, `Newton fit did not converge: ‖∇R‖ = ${norm(grad)}`);
  return w;
}

interface Problem {
  shape: HeadShape;
  train: HeadData;
  test: HeadData;
  l2: number;
  w: Float64Array;
  hessian: Float64Array;
}

function problem(numClasses: number, seed: number, l2PerSample: number): Problem {
  const shape = { featureDim: 4, numClasses };
  // Overlapping blobs with a few flipped labels: not separable, so the optimum is finite
  // even with almost no weight decay, and a few samples carry most of the fit.
  const train = blobs(30, shape.featureDim, numClasses, seed, 0.1, 1.4);
  const test = blobs(6, shape.featureDim, numClasses, seed + 1000, 0, 1.4);
  const l2 = train.n * l2PerSample;
  const w = newtonFit(train, shape, l2, new Float64Array((shape.featureDim + 1) * numClasses));
  return { shape, train, test, l2, w, hessian: hessianOf(train, shape, w, l2) };
}

function scoreAll(pr: Problem) {
  const { damping } = dampedCholesky(pr.hessian, pr.w.length);
  assert.equal(damping, 0);
  const factor = contrastFactorOf(pr.hessian, pr.shape, pr.l2);
  return computeNewtonStepInfluence({
    train: pr.train,
    test: pr.test,
    shape: pr.shape,
    factor,
    trainProbs: probsOf(pr.train, pr.shape, pr.w),
    testProbs: probsOf(pr.test, pr.shape, pr.w),
    trainIds: Array.from({ length: pr.train.n }, (_, i) => i),
  });
}

test('one-step Newton influence equals g_tᵀ(H − H_i)⁻¹g_i from a dense float64 solve', () => {
  const pr = problem(3, 7, 1e-4);
  const result = scoreAll(pr);
  const size = pr.w.length;
  const testGrads = Array.from({ length: pr.test.n }, (_, t) => gradientOf(pr.test, pr.shape, pr.w, t));
  const expectedNewton = new Float64Array(pr.train.n * pr.test.n);
  const expectedFirst = new Float64Array(pr.train.n * pr.test.n);
  for (let i = 0; i < pr.train.n; i++) {
    const gi = gradientOf(pr.train, pr.shape, pr.w, i);
    const hi = sampleHessianOf(pr.train, pr.shape, pr.w, i);
    const reduced = Float64Array.from(pr.hessian, (v, q) => v - hi[q]);
    const delta = gaussSolve(reduced, size, gi);
    const first = gaussSolve(pr.hessian, size, gi);
    testGrads.forEach((gt, t) => {
      expectedNewton[i * pr.test.n + t] = dot(gt, delta);
      expectedFirst[i * pr.test.n + t] = dot(gt, first);
    });
  }
  assert.ok(
    maxRelativeError(result.newton, expectedNewton) < 1e-8,
    `newton ${maxRelativeError(result.newton, expectedNewton)}`,
  );
  assert.ok(
    maxRelativeError(result.firstOrder, expectedFirst) < 1e-8,
    `first ${maxRelativeError(result.firstOrder, expectedFirst)}`,
  );
  assert.ok(result.leverage.every((h) => h >= 0 && h < 1));
  // A scored subset gives the same numbers as the full run.
  const subset = computeNewtonStepInfluence({
    train: pr.train,
    test: pr.test,
    shape: pr.shape,
    factor: contrastFactorOf(pr.hessian, pr.shape, pr.l2),
    trainProbs: probsOf(pr.train, pr.shape, pr.w),
    testProbs: probsOf(pr.test, pr.shape, pr.w),
    trainIds: [17, 3],
    testIds: [5, 0],
  });
  assert.deepEqual(Array.from(subset.newton), [
    result.newton[17 * pr.test.n + 5],
    result.newton[17 * pr.test.n],
    result.newton[3 * pr.test.n + 5],
    result.newton[3 * pr.test.n],
  ]);
});

test('the parameter step is (H − H_i)⁻¹g_i from a dense float64 solve, and g_tᵀ of it is the Newton score', () => {
  const pr = problem(3, 11, 1e-4);
  const size = pr.w.length;
  const ids = [0, 9, 23];
  const scored = computeNewtonStepInfluence({
    train: pr.train,
    test: pr.test,
    shape: pr.shape,
    factor: contrastFactorOf(pr.hessian, pr.shape, pr.l2),
    trainProbs: probsOf(pr.train, pr.shape, pr.w),
    testProbs: probsOf(pr.test, pr.shape, pr.w),
    trainIds: ids,
    steps: true,
  });
  assert.equal(scored.steps?.length, ids.length);
  ids.forEach((i, r) => {
    const hi = sampleHessianOf(pr.train, pr.shape, pr.w, i);
    const expected = gaussSolve(
      Float64Array.from(pr.hessian, (v, q) => v - hi[q]),
      size,
      gradientOf(pr.train, pr.shape, pr.w, i),
    );
    assert.ok(
      maxRelativeError(scored.steps![r], expected) < 1e-8,
      `step of ${i}: ${maxRelativeError(scored.steps![r], expected)}`,
    );
    const gt = gradientOf(pr.test, pr.shape, pr.w, 2);
    assert.ok(Math.abs(dot(gt, scored.steps![r]) - scored.newton[r * pr.test.n + 2]) < 1e-10);
  });
});

test('with two classes the Newton step is the first-order estimate scaled by 1/(1 − h_ii)', () => {
  const pr = problem(2, 9, 1e-4);
  const result = scoreAll(pr);
  for (let i = 0; i < pr.train.n; i++) {
    for (let t = 0; t < pr.test.n; t++) {
      const q = i * pr.test.n + t;
      const expected = result.firstOrder[q] / (1 - result.leverage[i]);
      assert.ok(
        Math.abs(result.newton[q] - expected) <= 1e-9 * Math.max(Math.abs(expected), 1e-12),
        `${i},${t}: ${result.newton[q]} vs ${expected}`,
      );
    }
  }
  assert.ok(Math.max(...result.leverage) > 0.3, `max leverage ${Math.max(...result.leverage)}`);
});

test('on high-leverage samples the Newton step is much closer to leave-one-out retraining than first order', () => {
  const pr = problem(3, 7, 1e-4);
  const result = scoreAll(pr);
  const baseLoss = lossesOf(pr.test, pr.shape, pr.w);
  const actual = new Float64Array(pr.train.n * pr.test.n);
  for (let i = 0; i < pr.train.n; i++) {
    const wLoo = newtonFit(withoutSample(pr.train, pr.shape.featureDim, i), pr.shape, pr.l2, pr.w);
    lossesOf(pr.test, pr.shape, wLoo).forEach((l, t) => (actual[i * pr.test.n + t] = l - baseLoss[t]));
  }
  const rmsError = (predicted: Float64Array, ids: number[]) => {
    let s = 0;
    for (const i of ids)
      for (let t = 0; t < pr.test.n; t++) s += (predicted[i * pr.test.n + t] - actual[i * pr.test.n + t]) ** 2;
    return Math.sqrt(s / (ids.length * pr.test.n));
  };
  const all = Array.from({ length: pr.train.n }, (_, i) => i);
  const highLeverage = [...all].sort((a, b) => result.leverage[b] - result.leverage[a]).slice(0, 5);
  const newtonHigh = rmsError(result.newton, highLeverage);
  const firstHigh = rmsError(result.firstOrder, highLeverage);
  const newtonAll = rmsError(result.newton, all);
  const firstAll = rmsError(result.firstOrder, all);
  const info =
    `leverage ${highLeverage.map((i) => result.leverage[i].toFixed(2)).join(', ')}; ` +
    `RMS error high-leverage newton ${newtonHigh.toExponential(2)} vs first ${firstHigh.toExponential(2)}, ` +
    `all newton ${newtonAll.toExponential(2)} vs first ${firstAll.toExponential(2)}`;
  assert.ok(result.leverage[highLeverage[4]] > 0.3, info);
  // Every one of the five highest-leverage samples is predicted better, and the error is at least 40 % smaller.
  for (const i of highLeverage) {
    assert.ok(rmsError(result.newton, [i]) < rmsError(result.firstOrder, [i]), `sample ${i}: ${info}`);
  }
  assert.ok(newtonHigh < 0.6 * firstHigh, info);
  assert.ok(newtonAll < firstAll, info);
});
