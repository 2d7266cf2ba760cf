/**
 * The exact head's kernels on two threads (parallel/matrixHelper.ts) give the same bytes as on one: the Hessian's
 * class-pair blocks, the mixed Cholesky, L⁻¹ and the influence scan (self-influence and every test sample's top
 * k). Their values against float64 references are checked in the kernels' own tests; here each is also checked to
 * have run in the helper, and a cancel while the engine waits for the helper stops the kernel. The Newton polish,
 * whose mixed factor's check runs in the helper while the steps already use the factor, gives the same bytes as on
 * one thread whether the check passes or fails (then the steps are taken again after a float64 factor).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createSharedCancelFlag, raiseSharedCancelFlag, signalFromSharedFlag } from '../../../src/compute/cancel';
import { CancelledError } from '../../../src/compute/errors';
import { fitHead } from '../../../src/compute/head/fitHead';
import { NEARBY_HESSIAN_TOLERANCE, polishHeadNewton } from '../../../src/compute/head/polishHead';
import { headHessian, headProbabilities } from '../../../src/compute/head/softmaxHead';
import { computeExactHeadInfluence } from '../../../src/compute/influence/exactHeadInfluence';
import { choleskyMixed, updateTrailingChunks } from '../../../src/compute/linalg/blockedCholesky';
import { invertLowerBlocked } from '../../../src/compute/linalg/triangularInverse';
import { packedFactorDeviation } from '../../../src/compute/linalg/factorChecks';
import { MIXED_PRECISION } from '../../../src/compute/linalg/fastFactor';
import { SplitProducts, withSplitProducts } from '../../../src/compute/parallel/matrixHelper';
import { initBackend } from '../../../src/compute/tf/backend';
import { contrastFactorOf } from '../../helpers/contrastFactor';
import { blobs } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

const sameBytes = (a: Float64Array | Float32Array | Int32Array, b: typeof a, what: string) =>
  assert.ok(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), `${what} differs between one thread and two`);

const F = 9;
const C = 4;
const shape = { featureDim: F, numClasses: C };
const P = (F + 1) * C;
const train = blobs(300, F, C, 5, 0.1);
const testData = blobs(23, F, C, 6);
const l2 = train.n * 1e-2;

test('the Hessian, its mixed factor and L⁻¹ are the same bytes on one thread and on two', () => {
  const head = fitHead(train, shape, l2, { meanGradTolerance: 1e-8 }).head;
  const probs = headProbabilities(train, shape, head);
  const [one, two] = ([1, 2] as const).map((threads) =>
    withSplitProducts(threads, (split) => {
      assert.equal(split.parallel, threads === 2);
      const hessian = headHessian(train, shape, probs, l2, undefined, undefined, split);
      const factor = Float64Array.from(hessian);
      // Small blocks: several trailing-update chunks per step, so the two threads share every step. Outside shared
      // memory the helper's products come back here; in it, the helper subtracts its chunks in place.
      assert.ok(choleskyMixed(factor, P, undefined, { block: 8, chunk: 6 }, split));
      const inPlace = sharedCopy(hessian);
      let started = 0;
      const counted = new Proxy(split, {
        get(target, key) {
          if (key === 'startTrailingUpdate')
            return (...args: Parameters<SplitProducts['startTrailingUpdate']>) => {
              started++;
              return target.startTrailingUpdate(...args);
            };
          const value: unknown = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      assert.ok(choleskyMixed(inPlace, P, undefined, { block: 8, chunk: 6 }, counted));
      assert.equal(started > 0, threads === 2, 'the helper subtracts in place exactly when there is one');
      const inverse = invertLowerBlocked(factor, P, true, undefined, { block: 8 }, split);
      return { hessian, factor, inPlace, inverse };
    }),
  );
  sameBytes(one.hessian, two.hessian, 'the Hessian');
  sameBytes(one.factor, two.factor, 'the mixed Cholesky factor');
  sameBytes(one.factor, two.inPlace, 'the mixed Cholesky factor updated in place by the helper');
  sameBytes(one.factor, one.inPlace, 'the mixed Cholesky factor in shared memory');
  sameBytes(one.inverse, two.inverse, 'L⁻¹');
  // And they are what they stand for: L·L⁻¹ = I to float32 rounding.
  let worst = 0;
  for (let i = 0; i < P; i++)
    for (let j = 0; j < P; j++) {
      let s = 0;
      for (let k = 0; k < P; k++) s += one.factor[i * P + k] * one.inverse[k * P + j];
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  assert.ok(worst < 1e-4, `‖L·L⁻¹ − I‖max = ${worst}`);
});

test('exact influence is the same bytes on one thread and on two (both take blocks from a shared counter)', () => {
  const polished = polishHeadNewton(train, shape, l2, fitHead(train, shape, l2).head, { threads: 1 });
  const testProbs = headProbabilities(testData, shape, polished.head);
  const run = (threads: 1 | 2) =>
    computeExactHeadInfluence({
      train,
      test: testData,
      shape,
      trainProbs: polished.probs,
      testProbs,
      factor: polished.factor,
      topK: 7,
      // Six blocks of 50, taken by either thread; the test samples are whitened in halves (11 and 12) on two.
      blockSize: 50,
      threads,
    });
  const [one, two] = [run(1), run(2)];
  sameBytes(one.selfInfluence, two.selfInfluence, 'self-influence');
  sameBytes(one.topK.topValue, two.topK.topValue, 'proponent values');
  sameBytes(one.topK.topIndex, two.topK.topIndex, 'proponents');
  sameBytes(one.topK.bottomValue, two.topK.bottomValue, 'opponent values');
  sameBytes(one.topK.bottomIndex, two.topK.bottomIndex, 'opponents');
  assert.ok(one.selfInfluence.every((s) => s > 0));
});

test('exact influence whitened by the blocked solve is the same bytes on one thread and on two', () => {
  // P′ = 86 · 9 = 774 ≥ MIXED_PRECISION.minSize: each thread forms the solve's pieces from L (4 blocks), the helper
  // from L in shared memory, the factor here being an ordinary array (copied there).
  const wide = { featureDim: 85, numClasses: 10 };
  const p = 774;
  assert.ok(p >= MIXED_PRECISION.minSize);
  const rows = blobs(300, wide.featureDim, wide.numClasses, 7, 0.1);
  const tests = blobs(23, wide.featureDim, wide.numClasses, 8);
  const head = new Float64Array(86 * 10).map((_, i) => 0.01 * Math.sin(i));
  const probs = headProbabilities(rows, wide, head);
  const l2 = rows.n * 1e-2;
  const factor = contrastFactorOf(headHessian(rows, wide, probs, l2), wide, l2);
  assert.equal(factor.size, p);
  const run = (threads: 1 | 2) =>
    computeExactHeadInfluence({
      train: rows,
      test: tests,
      shape: wide,
      trainProbs: probs,
      testProbs: headProbabilities(tests, wide, head),
      factor,
      topK: 5,
      blockSize: 50,
      threads,
    });
  const [one, two] = [run(1), run(2)];
  sameBytes(one.selfInfluence, two.selfInfluence, 'self-influence');
  sameBytes(one.topK.topValue, two.topK.topValue, 'proponent values');
  sameBytes(one.topK.bottomValue, two.topK.bottomValue, 'opponent values');
  assert.ok(one.selfInfluence.every((s) => s > 0));
});

test("the helper's trailing-update chunks, taken from a shared counter, are this thread's bytes in place", () => {
  const n = 70;
  const r0 = 10;
  const kb = 8;
  const m = n - r0;
  const l21 = new Float32Array(new SharedArrayBuffer(4 * m * kb));
  for (let i = 0; i < l21.length; i++) l21[i] = Math.sin(i);
  const start = Float64Array.from({ length: n * n }, (_, i) => Math.cos(i));
  const chunks = Int32Array.of(0, 20, 20, 20, 40, 17, 57, 3);
  const part = (a: Float64Array) => ({
    a,
    n,
    r0,
    kb,
    l21,
    l21T: new Float32Array(new SharedArrayBuffer(4 * m * kb)),
    chunks,
  });
  const here = Float64Array.from(start);
  updateTrailingChunks(part(here));
  const there = sharedCopy(start);
  const claims = new Int32Array(new SharedArrayBuffer(4));
  // One chunk already taken here: the helper must take the others and no more.
  claims[0] = 1;
  updateTrailingChunks({ ...part(there), chunks: chunks.subarray(0, 2) });
  withSplitProducts(2, (split) => split.startTrailingUpdate(part(there), claims)());
  assert.equal(claims[0], chunks.length / 2 + 1, 'the helper took every chunk left, then saw none');
  sameBytes(here, there, 'A after the trailing update');
  // And the update is A22 −= L21·L21ᵀ on the chunks' lower triangles, nothing else.
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let expected = start[i * n + j];
      if (i >= r0 && j >= r0 && j <= i && j - r0 < 60) {
        for (let k = 0; k < kb; k++) expected -= l21[(i - r0) * kb + k] * l21[(j - r0) * kb + k];
      }
      assert.ok(Math.abs(here[i * n + j] - expected) <= 1e-5 * (1 + Math.abs(expected)), `(${i}, ${j})`);
    }
});

test("a mixed factor's check in the helper reads shared memory and gives this thread's η", () => {
  const head = fitHead(train, shape, l2, { meanGradTolerance: 1e-8 }).head;
  const hessian = headHessian(train, shape, headProbabilities(train, shape, head), l2);
  // L below the diagonal and A above it, in shared memory, as fastFactor.ts hands them to the helper.
  const packed = new Float64Array(new SharedArrayBuffer(hessian.byteLength));
  packed.set(hessian);
  const diagonal = Float64Array.from({ length: P }, (_, i) => hessian[i * P + i]);
  assert.ok(choleskyMixed(packed, P, undefined, { block: 8, chunk: 6 }, undefined, true));
  const here = packedFactorDeviation(packed, diagonal, P, 12);
  assert.ok(here > 0, 'η is 0: the check checks nothing');
  const there = withSplitProducts(2, (split) => split.startDeviation(packed, diagonal, P, 12)());
  assert.equal(there, here);
});

test(
  'the polish is the same bytes on one thread and on two, ' +
    "its mixed factor's check in the helper while the steps use the factor, whether the check passes or fails",
  () => {
    // From zero: steps with each factor before its check returns, and the Hessian formed again when they stall.
    const start = new Float64Array(P);
    const saved = { ...MIXED_PRECISION };
    const { startDeviation, startHeadProduct } = SplitProducts.prototype;
    let checksInHelper = 0;
    let productsInHelper = 0;
    SplitProducts.prototype.startDeviation = function (...args) {
      checksInHelper++;
      return startDeviation.apply(this, args);
    };
    SplitProducts.prototype.startHeadProduct = function (...args) {
      productsInHelper++;
      return startHeadProduct.apply(this, args);
    };
    try {
      // Mixed precision at this small P, with a tolerance every factor meets (η ≥ 0) or none does.
      MIXED_PRECISION.minSize = 0;
      for (const tolerance of [1, -1]) {
        MIXED_PRECISION.tolerance = tolerance;
        checksInHelper = 0;
        productsInHelper = 0;
        const [one, two] = ([1, 2] as const).map((threads) =>
          polishHeadNewton(train, shape, l2, start, {
            threads,
            maxSteps: 12,
            nearbyTolerance: NEARBY_HESSIAN_TOLERANCE,
          }),
        );
        assert.ok(checksInHelper >= 1, `tolerance ${tolerance}: no check ran in the helper`);
        // The check of the last factor against the Hessian at the returned head: its products on both threads.
        assert.ok(productsInHelper >= 1, `tolerance ${tolerance}: no Hessian product ran in the helper`);
        assert.ok(two.newtonSteps >= 1, 'no step was taken with the unchecked factor: the test checks nothing');
        assert.equal(two.factorInfo.precision, tolerance > 0 ? 'mixed' : 'float64');
        sameBytes(one.head, two.head, 'the polished head');
        sameBytes(one.probs, two.probs, 'the probabilities');
        sameBytes(one.factor.lower, two.factor.lower, 'the factor');
        assert.deepEqual(one.factorInfo, two.factorInfo);
        assert.equal(one.damping, two.damping);
        assert.equal(one.newtonSteps, two.newtonSteps);
        assert.equal(one.hessians, two.hessians);
      }
    } finally {
      Object.assign(MIXED_PRECISION, saved);
      Object.assign(SplitProducts.prototype, { startDeviation, startHeadProduct });
    }
  },
);

test('a cancel raised while the engine waits for the helper throws CancelledError, and the next kernel works', () => {
  const flag = createSharedCancelFlag();
  const signal = signalFromSharedFlag(flag);
  const split = new SplitProducts(2);
  try {
    const a = new Float32Array(300 * 300).fill(1);
    const jobs = [0, 1].map(() => ({ a: { data: a, rows: 300, cols: 300 }, b: { data: a, rows: 300, cols: 300 } }));
    raiseSharedCancelFlag(flag);
    assert.throws(() => split.run(jobs, [1, 1], signal), CancelledError);
  } finally {
    split.dispose();
  }
  // The abandoned helper is not reused: a new one answers.
  const again = withSplitProducts(2, (s) =>
    s.run(
      [0, 1].map(() => ({
        a: { data: Float32Array.of(1, 2), rows: 1, cols: 2 },
        b: { data: Float32Array.of(3, 4), rows: 2, cols: 1 },
      })),
      [1, 1],
    ),
  );
  assert.deepEqual(
    again.map((r) => r[0]),
    [11, 11],
  );
});

function sharedCopy(x: Float64Array): Float64Array {
  const copy = new Float64Array(new SharedArrayBuffer(x.byteLength));
  copy.set(x);
  return copy;
}
