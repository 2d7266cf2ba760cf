/**
 * Exact influence over the softmax head (DESIGN.md §2):
 *
 *   infl(i, t) = g_tᵀ H⁻¹ g_i        (predicted change of t's loss if i is removed)
 *   s_i        = g_iᵀ H⁻¹ g_i        (self-influence)
 *
 * with H = L·Lᵀ the (damped) Hessian factored in Float64, in the D′·(C − 1) class-contrast coordinates over the
 * features training uses, where every training gradient lives (head/classContrasts.ts and featureSubset.ts: exact, the
 * class-sum directions and the unused features' rows meet no training gradient). We whiten once,
 * w = L⁻¹g, so that every influence is a dot product w_tᵀw_i: the whitening
 * and the train × test products are float32 matMuls on the fast backend,
 * streamed over blocks of training samples so memory stays O(block·P),
 * never O(n·P). The whitening L⁻¹·Gᵀ is a blocked forward substitution with L (triangularSolve.ts): L⁻¹ is never
 * formed.
 *
 * On two cores (parallel/matrixHelper.ts) a worker thread and this one take blocks of training samples from a shared
 * counter — gradients, whitening, self-influence, scores and their top-k scan, the same code (influenceBlocks.ts) —
 * and the helper's top-k lists are merged into this thread's at the end; each thread forms the solve's pieces from L
 * at the same time. The blocks are fixed by n alone, so the results are the same bytes with one thread or two.
 */
import { invertLowerBlocked } from '../linalg/triangularInverse';
import { packLower } from '../linalg/packedLower';
import { fastMatMulAvailable, MIXED_PRECISION } from '../linalg/fastFactor';
import type { LowerProduct } from '../linalg/triangularProduct';
import { SOLVE_BLOCK } from '../linalg/triangularSolve';
import type { HeadData, HeadShape } from '../head/softmaxHead';
import { factorCoordinates, factorShape, type HeadFactor } from '../head/headFactor';
import { claimNext, sharedClaims, stopClaims } from '../parallel/claims';
import { defaultThreads, type SplitProducts, withSplitProducts } from '../parallel/matrixHelper';
import { type InfluenceBlocks, influenceOfBlocks } from './influenceBlocks';
import { TopKTracker } from './topK';
import { whitenTestBlocks } from './whitenedTest';

export interface ExactInfluenceInput {
  train: HeadData;
  test: HeadData;
  shape: HeadShape;
  /** Softmax probabilities at θ̂ for train and test (n × C). */
  trainProbs: Float64Array;
  testProbs: Float64Array;
  /**
   * The damped Hessian at θ̂ factored (from polishHeadNewton): in class-contrast coordinates, where the gradients live
   * (classContrasts.ts), so every P below is P′ = D·(C − 1) and the gradients are contrastGradientsTransposed.
   */
  factor: HeadFactor;
  topK: number;
  /** Most training samples per streamed block. */
  blockSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Threads (default: 2 when the work is large and the machine has two cores); the results do not depend on it. */
  threads?: 1 | 2;
}

export interface InfluenceScores {
  /** s_i for every training sample. */
  selfInfluence: Float64Array;
  /** Per test sample: top proponents (largest positive influence) and opponents (most negative). */
  topK: TopKTracker;
}

/**
 * Multiply-adds of exact influence: the solve's pieces (nb·P²/2), the whitening (~0.5·n·P²), the scores
 * (n_train·n_test·P).
 */
export function exactInfluenceMacs(p: number, nTrain: number, nTest: number): number {
  return (SOLVE_BLOCK * p * p) / 2 + 0.5 * (nTrain + nTest) * p * p + nTrain * nTest * p;
}

export function computeExactHeadInfluence(whole: ExactInfluenceInput): InfluenceScores {
  // Over the features the factor covers (head/featureSubset.ts): every training gradient is zero on the others, so
  // each score and self-influence is the whole head's.
  const { factor: covering } = whole;
  const input: ExactInfluenceInput = {
    ...whole,
    train: factorCoordinates(covering, whole.train),
    test: factorCoordinates(covering, whole.test),
    shape: factorShape(covering),
  };
  const p = input.factor.size;
  const threads = input.threads ?? defaultThreads(exactInfluenceMacs(p, input.train.n, input.test.n));
  return withSplitProducts(threads, (split) => {
    // Wᵀ = L⁻¹·Gᵀ (column r is L⁻¹ g_r) by a blocked forward substitution with L (triangularSolve.ts), each thread
    // forming its pieces from L at once; no L⁻¹. Small heads keep the float64 L⁻¹, packed and rounded to float32: below
    // the mixed-precision size it costs little, and its whitening is the most accurate.
    const { signal } = input;
    const factor = input.factor.lower;
    if (p >= MIXED_PRECISION.minSize && fastMatMulAvailable()) split.putSolve('whitening', factor, p, signal);
    else split.putLower('whitening', packLower(invertLowerBlocked(factor, p, false, signal, {}, split), p), p);
    return influenceFromWhitening(input, p, split);
  });
}

/** Most floats of one block's gradients (32 MB). */
const BLOCK_FLOATS = 2 ** 23;

/**
 * Training rows per block: 512, fewer for wide heads so that one block's gradients stay at BLOCK_FLOATS (a block's
 * gradients, their whitening and its copies in both backends' heaps are live at once). Small enough that the two
 * threads end close together (at 2048 rows a c26 block was ~3 s of products, and this thread waited ~4 s for the
 * helper's last one on a loaded machine), wide enough that every matMul runs near its peak. The scores do not depend
 * on it: every entry is one matMul's dot product over P whatever the columns beside it, and the top k takes the rows
 * in the same order.
 */
function defaultBlockRows(p: number): number {
  return Math.max(1, Math.min(512, Math.floor(BLOCK_FLOATS / p)));
}

/**
 * Block boundaries over n rows: an even number of blocks of at most `most` rows (from when two threads took turns;
 * kept, so that the blocks, and the bytes, are those of earlier versions).
 */
function rowBlocks(n: number, most: number): number[] {
  const count = 2 * Math.ceil(n / (2 * most));
  const size = Math.max(1, Math.ceil(n / Math.max(count, 1)));
  const starts: number[] = [];
  for (let start = 0; start < n; start += size) starts.push(start);
  starts.push(n);
  return starts;
}

function influenceFromWhitening(input: ExactInfluenceInput, p: number, split: SplitProducts): InfluenceScores {
  const { train, test, shape, signal } = input;
  const whitening = split.local.lower(split.ref('whitening'));

  const selfInfluence = new Float64Array(train.n);
  const tracker = new TopKTracker(test.n, Math.min(input.topK, train.n));
  const scoring = test.n > 0 && tracker.k > 0;
  if (scoring) split.put('test', whitenedTest(input, split, whitening), test.n, p);

  const starts = Int32Array.from(rowBlocks(train.n, input.blockSize ?? defaultBlockRows(p)));
  const blocks = starts.length - 1;
  const work: InfluenceBlocks = {
    whitening,
    test: scoring ? split.local.tensor(split.ref('test')) : undefined,
    train,
    shape,
    probs: input.trainProbs,
    starts,
  };
  // Both threads take blocks from this counter; the helper gets its own copy of the training rows.
  const claims = sharedClaims();
  const helper =
    split.parallel && blocks > 1
      ? split.post({
          type: 'influence',
          whitening: split.ref('whitening'),
          test: scoring ? split.ref('test') : undefined,
          rows: headRows(train, shape, input.trainProbs),
          starts,
          k: tracker.k,
          claims,
        })
      : -1;
  joinHelper(split, helper, claims, () =>
    influenceOfBlocks(
      work,
      () => claimNext(claims),
      selfInfluence,
      scoring ? tracker : undefined,
      signal,
      () => input.onProgress?.(starts[Math.min(Atomics.load(claims, 0), blocks)], train.n),
    ),
  );
  if (helper >= 0) {
    const reply = split.collect(helper, signal);
    const [self, topValue, bottomValue] = reply.f64;
    const [topIndex, bottomIndex, topCount, bottomCount, taken] = reply.i32 ?? [];
    if (!taken) throw new Error('internal error: an influence reply without its blocks');
    for (const b of taken) selfInfluence.set(self.subarray(starts[b], starts[b + 1]), starts[b]);
    if (scoring) tracker.merge({ topIndex, topValue, topCount, bottomIndex, bottomValue, bottomCount });
  }
  input.onProgress?.(train.n, train.n);
  return { selfInfluence, topK: tracker };
}

/** Test samples per whitening block (both threads take blocks from a counter: whitenedTest.ts). */
const TEST_BLOCK_ROWS = 256;

/** W_test = (L⁻¹G_testᵀ)ᵀ, n_test × P, on both threads when there are two (whitenedTest.ts). */
function whitenedTest(input: ExactInfluenceInput, split: SplitProducts, whitening: LowerProduct): Float32Array {
  const { test, shape, testProbs, signal } = input;
  const rows = { test, shape, probs: testProbs, starts: Int32Array.from(rowBlocks(test.n, TEST_BLOCK_ROWS)) };
  const claims = sharedClaims();
  const helper =
    split.parallel && rows.starts.length > 2
      ? split.post({
          type: 'whitenedTest',
          whitening: split.ref('whitening'),
          rows: headRows(test, shape, testProbs),
          starts: rows.starts,
          claims,
        })
      : -1;
  const out = new Float32Array(test.n * whitening.p);
  joinHelper(split, helper, claims, () => whitenTestBlocks(whitening, rows, () => claimNext(claims), out));
  if (helper >= 0) {
    const reply = split.collect(helper, signal);
    const theirs = reply.f32[0];
    for (const b of reply.i32?.[0] ?? []) {
      const [from, to] = [rows.starts[b] * whitening.p, rows.starts[b + 1] * whitening.p];
      out.set(theirs.subarray(from, to), from);
    }
  }
  return out;
}

/** This thread's share (`mine`) while the helper's request `helper` (−1: none) runs; a failure stops its claims. */
function joinHelper(split: SplitProducts, helper: number, claims: Int32Array, mine: () => void): void {
  try {
    mine();
  } catch (error) {
    if (helper >= 0) {
      stopClaims(claims);
      split.abandon();
    }
    throw error;
  }
}

/** A head's rows as a request carries them (copies of views: posting a view copies its whole buffer). */
function headRows(data: HeadData, shape: HeadShape, probs: Float64Array) {
  return {
    phi: ownBuffer(data.phi),
    y: ownBuffer(data.y),
    probs: ownBuffer(probs),
    n: data.n,
    featureDim: shape.featureDim,
    numClasses: shape.numClasses,
  };
}

/** What to post of `x`: itself when it fills its buffer, else a copy (posting a view copies its whole buffer). */
function ownBuffer<T extends Float32Array | Float64Array | Int32Array>(x: T): T {
  return x.byteLength === x.buffer.byteLength ? x : (x.slice() as T);
}
