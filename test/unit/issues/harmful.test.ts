/**
 * Harmful/helpful training samples for the whole test set (issue 17):
 * T_i = Σ_t infl(i, t) equals the per-test influences summed one test sample
 * at a time (the exact estimator's own path), by the Cholesky factor and by
 * conjugate gradients; and "remove these and retrain" — the predicted change
 * of the total test loss against refitting the convex head without them.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitHead } from '../../../src/compute/head/fitHead';
import { polishHeadNewton } from '../../../src/compute/head/polishHead';
import { headProbabilities } from '../../../src/compute/head/softmaxHead';
import { computeExactHeadInfluence } from '../../../src/compute/influence/exactHeadInfluence';
import {
  defaultRemovalCount,
  harmfulOrder,
  type HeadState,
  removeAndRetrain,
  totalTestInfluence,
} from '../../../src/compute/issues/harmful';
import { findIssues, findNeighbours } from '../../../src/compute/issues';
import { nearestNeighbours, type Neighbours, type Points } from '../../../src/compute/issues/knn';
import { createSharedCancelFlag, raiseSharedCancelFlag, signalFromSharedFlag } from '../../../src/compute/cancel';
import { CancelledError } from '../../../src/compute/errors';
import { createRng, permutation } from '../../../src/compute/random';
import { pearson } from '../../../src/compute/stats/metrics';
import { initBackend } from '../../../src/compute/tf/backend';
import { blobs, maxRelativeError } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

/** `deviation`: η of the factor against the Hessian at the head (polishHead.ts), the bound its solves carry. */
function convexHead(n: number, seed: number, flip: number): HeadState & { deviation: number } {
  const f = 3;
  const c = 3;
  const shape = { featureDim: f, numClasses: c };
  const all = blobs(n + 80, f, c, seed, flip);
  const train = { phi: all.phi.slice(0, n * f), y: all.y.slice(0, n), n };
  const test = { phi: all.phi.slice(n * f), y: all.y.slice(n), n: 80 };
  const l2 = n * 0.01;
  const fit = fitHead(train, shape, l2, { meanGradTolerance: 1e-9 });
  const opt = polishHeadNewton(train, shape, l2, fit.head, { meanGradTolerance: 1e-12, maxSteps: 5 });
  return {
    train,
    test,
    shape,
    head: opt.head,
    trainProbs: opt.probs,
    testProbs: headProbabilities(test, shape, opt.head),
    l2,
    factor: opt.factor,
    damping: opt.damping,
    deviation: opt.factorInfo.deviation,
  };
}

test(
  'the whole-test-set influence equals the sum of the per-test influences ' + 'computed one test sample at a time',
  () => {
    const state = convexHead(120, 31, 0.1);
    const { influence, solver } = totalTestInfluence(state);
    assert.equal(solver, 'cholesky');
    const expected = new Float64Array(state.train.n);
    for (let t = 0; t < state.test.n; t++) {
      const one = {
        ...state.test,
        phi: state.test.phi.slice(t * 3, (t + 1) * 3),
        y: state.test.y.slice(t, t + 1),
        n: 1,
      };
      const scores = computeExactHeadInfluence({
        train: state.train,
        test: one,
        shape: state.shape,
        trainProbs: state.trainProbs,
        testProbs: state.testProbs.slice(t * 3, (t + 1) * 3),
        factor: state.factor!,
        topK: state.train.n,
      });
      const { proponents, opponents } = scores.topK.row(0);
      for (const e of [...proponents, ...opponents]) expected[e.index] += e.value;
    }
    assert.ok(maxRelativeError(influence, expected) < 1e-4, `cholesky: ${maxRelativeError(influence, expected)}`);
    // Without a factor (a head too large to factor): conjugate gradients on exact Hessian-vector products at the
    // head, within the factor's stated bound η/(1−η) of the Cholesky solves (plus CG's own 1e-6).
    const cg = totalTestInfluence({ ...state, factor: undefined });
    assert.equal(cg.solver, 'cg');
    const bound = 1e-6 + state.deviation / (1 - state.deviation);
    assert.ok(maxRelativeError(cg.influence, influence) < bound, `cg: ${maxRelativeError(cg.influence, influence)}`);
  },
);

test(
  'remove and retrain on a convex model: the predicted change of test ' + 'loss matches refitting without the samples',
  () => {
    const state = convexHead(400, 12, 0.15);
    const { influence } = totalTestInfluence(state);
    const harmful = harmfulOrder(influence);
    const k = defaultRemovalCount(state.train.n);
    assert.equal(k, 4);
    // The default check: removing the 1% most harmful is predicted and measured to lower the test loss.
    const top = removeAndRetrain(state, influence, harmful.slice(0, k));
    assert.ok(top.predictedLossChange < 0 && top.actualLossChange < 0, JSON.stringify(top));
    assert.ok(top.testLossAfter < top.testLossBefore);
    // Over groups of different sizes and kinds (the most harmful, random), predicted and actual agree
    // as closely as the leave-one-out check demands (Pearson ≥ 0.95, verifyStage.test.ts).
    const rng = createRng(5);
    const groups = [1, 2, 4, 8].map((size) => harmful.slice(0, size));
    for (let g = 0; g < 8; g++) groups.push(Array.from(permutation(state.train.n, rng).subarray(0, 4)));
    const checks = groups.map((group) => removeAndRetrain(state, influence, group));
    const r = pearson(
      checks.map((x) => x.predictedLossChange),
      checks.map((x) => x.actualLossChange),
    );
    assert.ok(
      r >= 0.95,
      `Pearson ${r}: ` +
        `${checks.map((x) => `${x.predictedLossChange.toFixed(4)}/${x.actualLossChange.toFixed(4)}`).join(' ')}`,
    );
    // And the default group's change is right in size, not only in direction.
    const relative = Math.abs(top.predictedLossChange - top.actualLossChange) / Math.abs(top.actualLossChange);
    assert.ok(relative < 0.1, `predicted ${top.predictedLossChange}, actual ${top.actualLossChange}`);
  },
);

test('the harmful check found during the first neighbour search (helper busy) equals the one found after', () => {
  const state = convexHead(400, 41, 0.1);
  const input = {
    state,
    classes: ['a', 'b', 'c'],
    oosProbs: state.trainProbs,
    likelyLabelIssue: () => false,
    removeHarmful: 5,
  };
  const early = findNeighbours(input, true);
  assert.ok(early.harm, 'found while the helper searched');
  const withEarly = findIssues({ ...input, neighbours: early });
  const late = findNeighbours(input);
  assert.equal(late.harm, undefined);
  const withLate = findIssues({ ...input, neighbours: late });
  assert.deepEqual(withEarly.testInfluence, withLate.testInfluence);
  assert.deepEqual(withEarly.removal, withLate.removal);
  assert.ok(withLate.removal && withLate.removal.removed.length === 5);
  assert.deepEqual(early.trainInTrain, late.trainInTrain);
});

/** Pixels of a second space (another dimension than the head's features) for the same samples. */
function inputSpace(state: HeadState, d: number, seed: number): { train: Points; test: Points } {
  const rng = createRng(seed);
  const points = (n: number) => ({ x: Float32Array.from({ length: n * d }, () => Math.round(4 * rng())), n, d });
  return { train: points(state.train.n), test: points(state.test.n) };
}

test('the outliers with the class means found during the input-space search equal those found after it', () => {
  const state = convexHead(400, 43, 0.1);
  const input = {
    state,
    classes: ['a', 'b', 'c'],
    inputs: inputSpace(state, 7, 44),
    oosProbs: state.trainProbs,
    likelyLabelIssue: () => false,
    removeHarmful: 5,
  };
  // Two threads (the search has meanwhile work): the class means and the harm while the helper searches.
  const searched = new Map<string, Neighbours>();
  const during = findIssues({
    ...input,
    search: (name, queries, refs, k, options) => {
      const found = nearestNeighbours(queries, refs, k, options);
      searched.set(name, found);
      return found;
    },
  });
  assert.ok(searched.has('inputs.train'));
  // The same searches answered from those kept (neighbourCache.ts): nothing runs meanwhile, all after.
  const after = findIssues({ ...input, search: (name) => searched.get(name)! });
  assert.deepEqual(during.outliers, after.outliers);
  assert.deepEqual(during.removal, after.removal);
  assert.equal(during.outliers.spaces, 2);
});

test('a cancel during the harm refit, while the helper searches the input space, throws CancelledError', () => {
  const state = convexHead(400, 45, 0.1);
  const flag = createSharedCancelFlag();
  const signal = signalFromSharedFlag(flag);
  const input = {
    state: { ...state, signal },
    classes: ['a', 'b', 'c'],
    inputs: inputSpace(state, 7, 46),
    oosProbs: state.trainProbs,
    likelyLabelIssue: () => false,
    removeHarmful: 5,
    signal,
    // Step 3 is the refit, run while the helper thread takes its share of the input-space search.
    onProgress: (step: number) => {
      if (step === 3) raiseSharedCancelFlag(flag);
    },
  };
  const neighbours = findNeighbours({ ...input, signal: undefined, state });
  assert.throws(() => findIssues({ ...input, neighbours }), CancelledError);
  // The helper was left mid-search and is not reused: the next two-thread search has one of its own.
  const points = inputSpace(state, 7, 47).train;
  const again = nearestNeighbours(points, points, 5, { excludeSelf: true, threads: 2 });
  const one = nearestNeighbours(points, points, 5, { excludeSelf: true, threads: 1 });
  assert.deepEqual(again, one);
});
