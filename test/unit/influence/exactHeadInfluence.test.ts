import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitHead } from '../../../src/compute/head/fitHead';
import { polishHeadNewton } from '../../../src/compute/head/polishHead';
import { type HeadData, headLosses, headObjective, headProbabilities } from '../../../src/compute/head/softmaxHead';
import { computeExactHeadInfluence } from '../../../src/compute/influence/exactHeadInfluence';
import { pearson, spearman } from '../../../src/compute/stats/metrics';
import { initBackend } from '../../../src/compute/tf/backend';
import { blobs, gaussSolve, maxRelativeError, withoutSample } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

/** Full influence matrix (test × train) read back from a top-k tracker that kept every sample. */
function influenceMatrix(
  result: ReturnType<typeof computeExactHeadInfluence>,
  nTest: number,
  nTrain: number,
): Float64Array {
  const m = new Float64Array(nTest * nTrain);
  for (let t = 0; t < nTest; t++) {
    const { proponents, opponents } = result.topK.row(t);
    for (const e of [...proponents, ...opponents]) m[t * nTrain + e.index] = e.value;
  }
  return m;
}

function optimum(train: HeadData, shape: { featureDim: number; numClasses: number }, l2: number, init?: Float64Array) {
  const fit = fitHead(train, shape, l2, { init, meanGradTolerance: 1e-9 });
  return polishHeadNewton(train, shape, l2, fit.head, { meanGradTolerance: 1e-12, maxSteps: 5 });
}

test('influence and self-influence equal g_tᵀH⁻¹g_i computed by an independent float64 reference', () => {
  const F = 3;
  const C = 3;
  const shape = { featureDim: F, numClasses: C };
  const P = (F + 1) * C;
  const train = blobs(60, F, C, 21, 0.1);
  const test = blobs(7, F, C, 22);
  const l2 = 60 * 0.01;
  const opt = optimum(train, shape, l2);
  const trainProbs = opt.probs;
  const testProbs = headProbabilities(test, shape, opt.head);
  const result = computeExactHeadInfluence({
    train,
    test,
    shape,
    trainProbs,
    testProbs,
    factor: opt.factor,
    topK: train.n,
  });

  // Reference: Hessian by finite differences of the float64 objective gradient, per-sample
  // gradients by finite differences of each sample's loss, solve by Gaussian elimination.
  const h = 1e-5;
  const hessian = new Float64Array(P * P);
  for (let q = 0; q < P; q++) {
    const plus = Float64Array.from(opt.head);
    const minus = Float64Array.from(opt.head);
    plus[q] += h;
    minus[q] -= h;
    const gp = new Float64Array(P);
    const gm = new Float64Array(P);
    headObjective(train, shape, l2).evaluate(plus, gp);
    headObjective(train, shape, l2).evaluate(minus, gm);
    for (let r = 0; r < P; r++) hessian[r * P + q] = (gp[r] - gm[r]) / (2 * h);
  }
  const sampleGradient = (data: HeadData, i: number): Float64Array => {
    const one: HeadData = { phi: data.phi.subarray(i * F, (i + 1) * F), y: data.y.subarray(i, i + 1), n: 1 };
    const g = new Float64Array(P);
    for (let q = 0; q < P; q++) {
      const plus = Float64Array.from(opt.head);
      const minus = Float64Array.from(opt.head);
      plus[q] += h;
      minus[q] -= h;
      const lp = headLosses(headProbabilities(one, shape, plus), one.y, C)[0];
      const lm = headLosses(headProbabilities(one, shape, minus), one.y, C)[0];
      g[q] = (lp - lm) / (2 * h);
    }
    return g;
  };
  const trainGrads = Array.from({ length: train.n }, (_, i) => sampleGradient(train, i));
  const expectedSelf = trainGrads.map((g) => g.reduce((s, v, q) => s + v * gaussSolve(hessian, P, g)[q], 0));
  assert.ok(
    maxRelativeError(result.selfInfluence, expectedSelf) < 1e-4,
    `self ${maxRelativeError(result.selfInfluence, expectedSelf)}`,
  );

  const matrix = influenceMatrix(result, test.n, train.n);
  const expected = new Float64Array(test.n * train.n);
  for (let t = 0; t < test.n; t++) {
    const x = gaussSolve(hessian, P, sampleGradient(test, t));
    for (let i = 0; i < train.n; i++) expected[t * train.n + i] = trainGrads[i].reduce((s, v, q) => s + v * x[q], 0);
  }
  assert.ok(maxRelativeError(matrix, expected) < 1e-4, `influence ${maxRelativeError(matrix, expected)}`);
  assert.ok(
    result.selfInfluence.every((s) => s > 0),
    'self-influence of a PD Hessian is positive',
  );
});

test('predicted change of test loss matches actual leave-one-out retraining (Pearson ≥ 0.95)', () => {
  const F = 5;
  const C = 3;
  const shape = { featureDim: F, numClasses: C };
  const train = blobs(90, F, C, 31, 0.1, 1.6);
  const test = blobs(4, F, C, 32, 0, 1.6);
  const l2 = 90 * 0.005;
  const opt = optimum(train, shape, l2);
  const testProbs = headProbabilities(test, shape, opt.head);
  const baseLoss = headLosses(testProbs, test.y, C);
  const result = computeExactHeadInfluence({
    train,
    test,
    shape,
    trainProbs: opt.probs,
    testProbs,
    factor: opt.factor,
    topK: train.n,
  });
  const predicted = influenceMatrix(result, test.n, train.n);

  const actual = new Float64Array(test.n * train.n);
  for (let i = 0; i < train.n; i++) {
    const loo = optimum(withoutSample(train, F, i), shape, l2, opt.head);
    const losses = headLosses(headProbabilities(test, shape, loo.head), test.y, C);
    for (let t = 0; t < test.n; t++) actual[t * train.n + i] = losses[t] - baseLoss[t];
  }
  const r = pearson(predicted, actual);
  const rho = spearman(predicted, actual);
  assert.ok(r >= 0.95, `Pearson ${r}`);
  assert.ok(rho >= 0.9, `Spearman ${rho}`);
  // Sign convention: a large positive influence means removing the sample raises the test loss.
  let top = 0;
  for (let q = 1; q < predicted.length; q++) if (predicted[q] > predicted[top]) top = q;
  assert.ok(actual[top] > 0);
});

test('top-k keeps the k largest positive and k most negative influences in order', () => {
  const F = 3;
  const shape = { featureDim: F, numClasses: 2 };
  const train = blobs(40, F, 2, 41, 0.15);
  const test = blobs(3, F, 2, 42);
  const opt = optimum(train, shape, 40 * 0.01);
  const testProbs = headProbabilities(test, shape, opt.head);
  const input = { train, test, shape, trainProbs: opt.probs, testProbs, factor: opt.factor };
  const all = influenceMatrix(computeExactHeadInfluence({ ...input, topK: train.n }), test.n, train.n);
  const small = computeExactHeadInfluence({ ...input, topK: 5, blockSize: 7 });
  for (let t = 0; t < test.n; t++) {
    const row = Array.from(all.subarray(t * train.n, (t + 1) * train.n));
    const { proponents, opponents } = small.topK.row(t);
    const expectedTop = row
      .filter((v) => v > 0)
      .sort((a, b) => b - a)
      .slice(0, 5);
    const expectedBottom = row
      .filter((v) => v < 0)
      .sort((a, b) => a - b)
      .slice(0, 5);
    assert.deepEqual(
      proponents.map((e) => e.value),
      expectedTop,
    );
    assert.deepEqual(
      opponents.map((e) => e.value),
      expectedBottom,
    );
  }
});
