/**
 * Exact influence through the fast path (issue 18 item 1): the head's Hessian
 * factored by fastDampedCholesky (mixed precision when its measured deviation
 * η allows) and whitened with the blocked L⁻¹, against the old exact values —
 * g_tᵀH⁻¹g_i from float64 solves with the unblocked factor.
 *
 * Stated bound: self-influence within η/(1−η) + 1e-5 relative, scores within
 * (η/(1−η) + 1e-5)·√(s_t·s_i); 1e-5 is the float32 whitening the old path had too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitHead } from '../../../src/compute/head/fitHead';
import { polishHeadNewton } from '../../../src/compute/head/polishHead';
import { headHessian, headProbabilities, type HeadShape } from '../../../src/compute/head/softmaxHead';
import { computeExactHeadInfluence } from '../../../src/compute/influence/exactHeadInfluence';
import { sampleGradient } from '../../../bench/study/newtonStepInfluence';
import { choleskySolve, dampedCholesky } from '../../../src/compute/linalg/cholesky';
import { MIXED_PRECISION } from '../../../src/compute/linalg/fastFactor';
import { initBackend } from '../../../src/compute/tf/backend';
import { blobs } from '../../helpers/synthetic';

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

test(
  'exact influence with the fast factor equals float64 solves within the ' +
    'stated bound (P above the mixed-precision size)',
  async () => {
    await initBackend('wasm');
    const c = 10;
    // The factored size P′ = (f + 1)·(C − 1) ≥ minSize (head/classContrasts.ts): the mixed path runs.
    const f = Math.ceil(MIXED_PRECISION.minSize / (c - 1));
    const shape: HeadShape = { featureDim: f, numClasses: c };
    const p = (f + 1) * c;
    const train = blobs(900, f, c, 11, 0.1, 2);
    const test = blobs(12, f, c, 12, 0, 2);
    const l2 = train.n * 1e-3;
    const start = fitHead(train, shape, l2, { meanGradTolerance: 1e-7 }).head;
    const polished = polishHeadNewton(train, shape, l2, start);
    assert.equal(polished.factorInfo.precision, 'mixed', `η=${polished.factorInfo.deviation}`);
    const eta = polished.factorInfo.deviation;
    assert.ok(eta > 0 && eta <= MIXED_PRECISION.tolerance);
    const testProbs = headProbabilities(test, shape, polished.head);

    // The old exact values: float64 Hessian at the same point, unblocked factor, float64 solves.
    const reference = dampedCholesky(headHessian(train, shape, polished.probs, l2), p, 0);
    assert.equal(reference.damping, polished.damping);
    const fast = computeExactHeadInfluence({
      train,
      test,
      shape,
      trainProbs: polished.probs,
      testProbs,
      factor: polished.factor,
      topK: train.n,
      blockSize: 256,
    });
    const bound = eta / (1 - eta) + 1e-5;
    const testGradients = Array.from({ length: test.n }, (_, t) => sampleGradient(test, shape, testProbs, t));
    const testSelf = testGradients.map((g) => dot(g, choleskySolve(reference.factor, p, g)));
    const scores = Array.from(
      { length: test.n },
      (_, t) =>
        new Map(
          fast.topK
            .row(t)
            .proponents.concat(fast.topK.row(t).opponents)
            .map((e) => [e.index, e.value]),
        ),
    );
    let worstSelf = 0;
    let worstScore = 0;
    for (let i = 0; i < train.n; i += 7) {
      const g = sampleGradient(train, shape, polished.probs, i);
      const x = choleskySolve(reference.factor, p, g);
      const self = dot(g, x);
      worstSelf = Math.max(worstSelf, Math.abs(fast.selfInfluence[i] - self) / self);
      for (let t = 0; t < test.n; t++) {
        const value = scores[t].get(i);
        if (value === undefined) continue;
        worstScore = Math.max(worstScore, Math.abs(value - dot(testGradients[t], x)) / Math.sqrt(self * testSelf[t]));
      }
    }
    assert.ok(worstSelf <= bound, `self-influence error ${worstSelf} > ${bound}`);
    assert.ok(worstScore <= bound, `score error ${worstScore} > ${bound}`);
  },
);

test('Newton polish with a mixed-precision factor reaches the same optimum as float64 Newton', async () => {
  await initBackend('wasm');
  const c = 10;
  const f = Math.ceil(MIXED_PRECISION.minSize / (c - 1));
  const shape: HeadShape = { featureDim: f, numClasses: c };
  const train = blobs(900, f, c, 13, 0.1, 2);
  const l2 = train.n * 1e-3;
  const start = fitHead(train, shape, l2, { meanGradTolerance: 1e-5 }).head;
  const polished = polishHeadNewton(train, shape, l2, start);
  assert.equal(polished.factorInfo.precision, 'mixed');
  // The refined Newton steps reach the float64 floor of the mean gradient.
  assert.ok(polished.meanGradNorm <= 1e-9, `mean gradient ${polished.meanGradNorm}`);
});
