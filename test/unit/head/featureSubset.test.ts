/**
 * The head stage polishes and factors the head over the features some training row uses (featureSubset.ts); the
 * others' rows are l2 + δ alone in the damped Hessian. Checked against an independent float64 reference of the WHOLE
 * head (its Hessian in closed form over every feature, test/helpers/headReference.ts, solved by Gaussian
 * elimination): the solves with any head vector, the exact influence of every training sample on test samples that
 * do use the dropped features, and the self-influence; and against the polish over every feature (the path before
 * the subset) at a mixed-precision size.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitHead, fitsByNewtonCg } from '../../../src/compute/head/fitHead';
import { polishHeadNewton } from '../../../src/compute/head/polishHead';
import {
  expandFromFeatures,
  restrictToFeatures,
  selectFeatures,
  trainedFeatures,
} from '../../../src/compute/head/featureSubset';
import { headFactorSolve } from '../../../src/compute/head/headFactor';
import { type HeadData, headObjective } from '../../../src/compute/head/softmaxHead';
import { computeExactHeadInfluence } from '../../../src/compute/influence/exactHeadInfluence';
import { MIXED_PRECISION } from '../../../src/compute/linalg/fastFactor';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import { fitLogisticRegression } from '../../../src/compute/models/fitLogreg';
import type { TrainingData } from '../../../src/compute/models/types';
import { fitLastLayer } from '../../../src/compute/pipeline/headStage';
import { createRng } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';
import { fullHessian, referenceGradient, referenceProbabilities } from '../../helpers/headReference';
import { blobs, gaussSolve, maxRelativeError } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

/** `data` with the features in `dropped` set to zero in every row. */
function zeroed(data: HeadData, featureDim: number, dropped: number[]): HeadData {
  const phi = Float32Array.from(data.phi);
  for (let i = 0; i < data.n; i++) for (const j of dropped) phi[i * featureDim + j] = 0;
  return { ...data, phi };
}

const asTraining = (d: HeadData, dims: number, numClasses: number): TrainingData => ({
  x: d.phi,
  y: d.y,
  n: d.n,
  dims,
  numClasses,
});

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, q) => s + v * b[q], 0);

test('trainedFeatures keeps the columns a training row uses, in order; all or none used: the whole head', () => {
  const train = { phi: Float32Array.from([0, 1, 0, 0, 0, 0, 2, 0, 0, 3, 0, 0]), y: Int32Array.from([0, 1, 0]), n: 3 };
  assert.deepEqual([...(trainedFeatures(train, 4) ?? [])], [1, 2]);
  assert.equal(
    trainedFeatures({ ...train, phi: Float32Array.from([1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]) }, 4),
    undefined,
  );
  assert.equal(trainedFeatures({ ...train, phi: new Float32Array(12) }, 4), undefined);
  assert.deepEqual([...selectFeatures(train, 4, Int32Array.from([1, 2])).phi], [1, 0, 0, 2, 3, 0]);
});

test('a head vector restricted to the kept rows and the bias, expanded back, keeps them and fills the rest', () => {
  const shape = { featureDim: 4, numClasses: 3 };
  const v = Float64Array.from({ length: 15 }, (_, i) => i + 1);
  const kept = Int32Array.from([0, 2]);
  const reduced = restrictToFeatures(v, shape, kept);
  assert.deepEqual([...reduced], [1, 2, 3, 7, 8, 9, 13, 14, 15]);
  assert.deepEqual([...expandFromFeatures(reduced, shape, kept)], [1, 2, 3, 0, 0, 0, 7, 8, 9, 0, 0, 0, 13, 14, 15]);
  const filled = expandFromFeatures(reduced, shape, kept, (row, k) => -(row * 3 + k + 1));
  assert.deepEqual(
    [...filled],
    [...v].map((x, i) => ((i >= 3 && i < 6) || (i >= 9 && i < 12) ? -x : x)),
  );
});

test('over the used features, the polish, solves and exact influence are the whole head’s (float64 reference)', () => {
  const F = 7;
  const C = 3;
  const dropped = [1, 4, 5];
  const shape = { featureDim: F, numClasses: C };
  const train = zeroed(blobs(90, F, C, 31, 0.1), F, dropped);
  // The test samples keep the dropped features: their gradients are not zero there.
  const test_ = blobs(6, F, C, 32);
  const config = { ...defaultModelConfig('logreg'), weightDecay: 1e-2 };
  const l2 = train.n * config.weightDecay;
  const net = fitLogisticRegression(config, asTraining(train, F, C), { meanGradTolerance: 1e-7 });
  const fitted = fitLastLayer(net, asTraining(train, F, C), asTraining(test_, F, C), l2, 1000);
  const factor = fitted.factor;
  assert.ok(factor, 'the head is factored');
  assert.deepEqual([...(factor.features ?? [])], [0, 2, 3, 6]);
  assert.equal(factor.size, (4 + 1) * (C - 1));

  // The polished head is the whole objective's optimum: zero on the dropped rows, and its float64 gradient vanishes.
  const head = fitted.net.head;
  for (const j of dropped) for (let k = 0; k < C; k++) assert.equal(head[j * C + k], 0);
  const grad = new Float64Array(head.length);
  headObjective(train, shape, l2).evaluate(head, grad);
  assert.ok(Math.hypot(...grad) / train.n < 1e-9, `gradient ${Math.hypot(...grad) / train.n}`);

  // Any head vector — dropped rows and class sums included — is solved as (H + δI)⁻¹ of the whole head (to the
  // rounding of the Hessian's float32 products, softmaxHead.ts, which the reference does not have).
  const size = (F + 1) * C;
  const trainProbs = referenceProbabilities(train, shape, head);
  const hessian = fullHessian(train, shape, trainProbs, l2 + fitted.headDamping);
  const rng = createRng(5);
  for (let r = 0; r < 3; r++) {
    const v = Float64Array.from({ length: size }, () => rng() - 0.5);
    const err = maxRelativeError(headFactorSolve(factor, v), gaussSolve(hessian, size, v));
    assert.ok(err < 1e-6, `solve ${err}`);
  }

  // Exact influence from the fitted head's own train and test sets (all features): g_tᵀ(H + δI)⁻¹g_i of the whole head.
  const result = computeExactHeadInfluence({
    train: fitted.train,
    test: fitted.test,
    shape: fitted.shape,
    trainProbs: fitted.trainProbs,
    testProbs: fitted.testProbs,
    factor,
    topK: train.n,
  });
  const trainGrads = Array.from({ length: train.n }, (_, i) => referenceGradient(train, shape, trainProbs, i));
  const testProbs = referenceProbabilities(test_, shape, head);
  const expectedSelf = trainGrads.map((g) => dot(g, gaussSolve(hessian, size, g)));
  const selfErr = maxRelativeError(result.selfInfluence, expectedSelf);
  assert.ok(selfErr < 1e-4, `self-influence ${selfErr}`);
  for (let t = 0; t < test_.n; t++) {
    const solved = gaussSolve(hessian, size, referenceGradient(test_, shape, testProbs, t));
    const expected = trainGrads.map((g) => dot(g, solved));
    const { proponents, opponents } = result.topK.row(t);
    const got = new Float64Array(train.n);
    for (const e of [...proponents, ...opponents]) got[e.index] = e.value;
    const scale = Math.max(...expected.map(Math.abs));
    const err = Math.max(...expected.map((x, i) => Math.abs(got[i] - x))) / scale;
    assert.ok(err < 1e-4, `test ${t}: influence ${err}`);
  }
});

test('at a mixed-precision size, influence over the used features equals the polish over every feature', () => {
  // P′ = (D′ + 1)·(C − 1) past the mixed-precision factor's threshold, a fifth of the features never used in training.
  const C = 6;
  const kept = Math.ceil(MIXED_PRECISION.minSize / (C - 1));
  const F = Math.ceil(kept * 1.25);
  const dropped = Array.from({ length: F - kept }, (_, i) => kept + i);
  const shape = { featureDim: F, numClasses: C };
  const train = zeroed(blobs(1200, F, C, 41, 0.05, 3), F, dropped);
  const test_ = blobs(40, F, C, 42, 0, 3);
  const config = { ...defaultModelConfig('logreg'), weightDecay: 1e-3 };
  const l2 = train.n * config.weightDecay;
  const net = fitLogisticRegression(config, asTraining(train, F, C), { meanGradTolerance: 1e-7 });
  const fitted = fitLastLayer(net, asTraining(train, F, C), asTraining(test_, F, C), l2, 1e6);
  assert.equal(fitted.factor?.features?.length, kept);
  assert.equal(fitted.factorInfo?.precision, 'mixed');
  // The path before the subset: the polish over every feature, from the same trained head.
  const whole = polishHeadNewton(train, shape, l2, net.head);
  assert.equal(whole.factor.features, undefined);
  assert.equal(whole.factor.size, (F + 1) * (C - 1));
  const influence = (factor: NonNullable<typeof fitted.factor>, trainProbs: Float64Array) =>
    computeExactHeadInfluence({
      train: fitted.train,
      test: fitted.test,
      shape,
      trainProbs,
      testProbs: fitted.testProbs,
      factor,
      topK: 5,
    });
  const subset = influence(fitted.factor as NonNullable<typeof fitted.factor>, fitted.trainProbs);
  const every = influence(whole.factor, whole.probs);
  // Both factors carry their measured deviation η (≤ MIXED_PRECISION.tolerance); the values agree within it.
  const bound = 4 * MIXED_PRECISION.tolerance;
  const selfErr = maxRelativeError(subset.selfInfluence, every.selfInfluence);
  assert.ok(selfErr < bound, `self-influence ${selfErr}`);
  for (let t = 0; t < test_.n; t++) {
    const a = subset.topK.row(t);
    const b = every.topK.row(t);
    const scale = Math.abs(b.proponents[0]?.value ?? 1);
    a.proponents.forEach((e, r) => assert.ok(Math.abs(e.value - b.proponents[r].value) <= bound * scale, `t ${t}`));
    a.opponents.forEach((e, r) => assert.ok(Math.abs(e.value - b.opponents[r].value) <= bound * scale, `t ${t}`));
  }
});

test('a logistic regression fitted over the used features is the fit over every feature, zero on the others', () => {
  const F = 12;
  const C = 4;
  const dropped = [0, 5, 6, 11];
  const shape = { featureDim: F, numClasses: C };
  const train = zeroed(blobs(400, F, C, 51, 0.1), F, dropped);
  const config = { ...defaultModelConfig('logreg'), weightDecay: 1e-3 };
  const net = fitLogisticRegression(config, asTraining(train, F, C), { meanGradTolerance: 1e-7 });
  // The path before the subset: the same fit over every feature, from zeros.
  const whole = fitHead(train, shape, train.n * config.weightDecay, {
    meanGradTolerance: 1e-7,
    certifiedSteps: true,
    newtonCg: fitsByNewtonCg(shape),
  });
  for (const j of dropped) for (let k = 0; k < C; k++) assert.equal(net.head[j * C + k], 0);
  const err = maxRelativeError(net.head, whole.head);
  assert.ok(err < 1e-6, `head ${err}`);
  assert.ok(net.headFit && net.headFit.meanGradNorm <= 1e-7);
});

test("a fold's logistic regression drops the features its own rows never use, even where other rows use them", () => {
  const F = 8;
  const C = 3;
  const all = blobs(300, F, C, 61, 0.1);
  // Features 2 and 7 are used only by rows outside the fold.
  const rows = Int32Array.from({ length: 200 }, (_, k) => k);
  const phi = Float32Array.from(all.phi);
  for (let i = 0; i < 200; i++) for (const j of [2, 7]) phi[i * F + j] = 0;
  const config = { ...defaultModelConfig('logreg'), weightDecay: 1e-3 };
  const fold = { x: phi, y: Int32Array.from(rows, (i) => all.y[i]), n: rows.length, dims: F, numClasses: C };
  const inPlace = fitLogisticRegression(config, fold, { rows, meanGradTolerance: 1e-7 });
  const copied = fitLogisticRegression(config, { ...fold, x: phi.slice(0, 200 * F) }, { meanGradTolerance: 1e-7 });
  for (const j of [2, 7]) for (let k = 0; k < C; k++) assert.equal(inPlace.head[j * C + k], 0);
  assert.deepEqual([...inPlace.head], [...copied.head]);
});
