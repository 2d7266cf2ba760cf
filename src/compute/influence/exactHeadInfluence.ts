/**
 * Exact influence over the softmax head (DESIGN.md §2):
 *
 *   infl(i, t) = g_tᵀ H⁻¹ g_i        (predicted change of t's loss if i is removed)
 *   s_i        = g_iᵀ H⁻¹ g_i        (self-influence)
 *
 * with H = L·Lᵀ the (damped) Hessian factored in Float64. We whiten once,
 * w = L⁻¹g, so that every influence is a dot product w_tᵀw_i: the whitening
 * and the train × test products are float32 matMuls on the fast backend,
 * streamed over blocks of training samples so memory stays O(block·P),
 * never O(n·P). The whitening L⁻¹·Gᵀ skips L⁻¹'s zero half (triangularProduct.ts).
 *
 * On two cores (parallel/matrixHelper.ts) a worker thread takes every other block of training samples — whitening,
 * self-influence and scores, the same code — while this thread takes the others and scans the scores for the top
 * k in block order; L⁻¹'s updates are split in halves of rows (blockedCholesky.ts). The blocks are fixed by n
 * alone, so the results are the same bytes with one thread or two.
 */
import * as tf from '@tensorflow/tfjs-core';
import { invertLowerBlocked, invertLowerPacked } from '../linalg/triangularInverse';
import { packLower } from '../linalg/packedLower';
import { fastMatMulAvailable, MIXED_PRECISION } from '../linalg/fastFactor';
import { readAndDispose, transpose } from '../linalg/matmul';
import type { LowerProduct } from '../linalg/triangularProduct';
import { throwIfAborted } from '../cancel';
import { type HeadData, type HeadShape, headParameterCount, perSampleGradientsTransposed } from '../head/softmaxHead';
import { defaultThreads, type SplitProducts, withSplitProducts } from '../parallel/matrixHelper';
import { TopKTracker } from './topK';

export interface ExactInfluenceInput {
  train: HeadData;
  test: HeadData;
  shape: HeadShape;
  /** Softmax probabilities at θ̂ for train and test (n × C). */
  trainProbs: Float64Array;
  testProbs: Float64Array;
  /** Cholesky factor of the damped Hessian at θ̂ (from polishHeadNewton). */
  factor: Float64Array;
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

/** Multiply-adds of exact influence: L⁻¹ (P³/3), the whitening (~0.56·n·P²), the scores (n_train·n_test·P). */
export function exactInfluenceMacs(p: number, nTrain: number, nTest: number): number {
  return p ** 3 / 3 + 0.56 * (nTrain + nTest) * p * p + nTrain * nTest * p;
}

export function computeExactHeadInfluence(input: ExactInfluenceInput): InfluenceScores {
  const p = headParameterCount(input.shape);
  const threads = input.threads ?? defaultThreads(exactInfluenceMacs(p, input.train.n, input.test.n));
  return withSplitProducts(threads, (split) => {
    // L⁻¹ is rounded to float32 for the whitening products anyway; its O(P³) update runs as float32
    // matMuls (right-hand sides accumulated in float64) when the head is large enough to pay. Packed by rows: its
    // upper half is zeros, and at the stage's peak it is held beside the factor (packedLower.ts).
    const mixed = p >= MIXED_PRECISION.minSize && fastMatMulAvailable();
    const inverseFactor = mixed
      ? invertLowerPacked(input.factor, p, input.signal, {}, split)
      : packLower(invertLowerBlocked(input.factor, p, false, input.signal, {}, split), p);
    // Wᵀ = L⁻¹·Gᵀ: column r is L⁻¹ g_r. The packed inverse moves to the helper.
    split.putLower('whitening', inverseFactor, p);
    return influenceFromWhitening(input, p, split);
  });
}

/** Most floats of one block's gradients (32 MB). */
const BLOCK_FLOATS = 2 ** 23;

/**
 * Training rows per block: 2048, fewer for wide heads so that one block's gradients stay at BLOCK_FLOATS (a block's
 * gradients, their whitening and its copies in both backends' heaps are live at once: at P = 7850 and 2048 rows each
 * is 63 MB). The scores do not depend on it: every entry is one matMul's dot product over P whatever the columns
 * beside it, and the top k takes the rows in the same order.
 */
function defaultBlockRows(p: number): number {
  return Math.max(1, Math.min(2048, Math.floor(BLOCK_FLOATS / p)));
}

/** Block boundaries over n rows: an even number of blocks of at most `most` rows (two threads take turns). */
function rowBlocks(n: number, most: number): number[] {
  const count = 2 * Math.ceil(n / (2 * most));
  const size = Math.max(1, Math.ceil(n / Math.max(count, 1)));
  const starts: number[] = [];
  for (let start = 0; start < n; start += size) starts.push(start);
  starts.push(n);
  return starts;
}

/**
 * One block of training rows, given their gradients as columns Gᵀ (P × rows): self-influence s_i = ‖L⁻¹g_i‖²
 * (summed in float64) and, with the whitened test gradients W_test (n_test × P), the scores W_test·L⁻¹Gᵀ
 * (n_test × rows, test-major as the top-k scan reads them). Both threads run this same code
 * (parallel/serveMatrices.ts).
 */
export function computeInfluenceOfBlock(
  whitening: LowerProduct,
  test: tf.Tensor2D | undefined,
  gradientsT: Float32Array,
  rows: number,
): { self: Float64Array; scores?: Float32Array } {
  const whitened = whitening.multiply(gradientsT, rows);
  const self = new Float64Array(rows);
  for (let q = 0; q < whitening.p; q++) {
    const base = q * rows;
    for (let r = 0; r < rows; r++) self[r] += whitened[base + r] * whitened[base + r];
  }
  if (!test) return { self };
  const p = whitening.p;
  return { self, scores: readAndDispose(tf.tidy(() => tf.matMul(test, tf.tensor2d(whitened, [p, rows])))) };
}

function influenceFromWhitening(input: ExactInfluenceInput, p: number, split: SplitProducts): InfluenceScores {
  const { train, test, shape, signal } = input;
  const whitening = split.local.lower(split.ref('whitening'));

  const selfInfluence = new Float64Array(train.n);
  const tracker = new TopKTracker(test.n, Math.min(input.topK, train.n));
  const scoring = test.n > 0 && tracker.k > 0;
  if (scoring) {
    const testGradientsT = new Float32Array(p * test.n);
    perSampleGradientsTransposed(test, shape, input.testProbs, 0, test.n, testGradientsT);
    split.put('test', transpose(whitening.multiply(testGradientsT, test.n), p, test.n), test.n, p);
  }
  const testTensor = scoring ? split.local.tensor(split.ref('test')) : undefined;

  const starts = rowBlocks(train.n, input.blockSize ?? defaultBlockRows(p));
  const gradientsOf = (b: number) => {
    const out = new Float32Array((starts[b + 1] - starts[b]) * p);
    perSampleGradientsTransposed(train, shape, input.trainProbs, starts[b], starts[b + 1], out);
    return out;
  };
  const use = (b: number, result: { self: Float64Array; scores?: Float32Array }) => {
    const start = starts[b];
    const rows = starts[b + 1] - start;
    selfInfluence.set(result.self, start);
    if (result.scores) for (let t = 0; t < test.n; t++) tracker.offerRow(t, start, result.scores, t * rows, rows);
  };
  const blocks = starts.length - 1;
  const step = split.parallel ? 2 : 1;
  for (let b = 0; b < blocks; b += step) {
    throwIfAborted(signal);
    // With two threads the helper takes block b + 1 while this thread takes block b.
    let theirs = -1;
    if (split.parallel && b + 1 < blocks) {
      const gradientsT = gradientsOf(b + 1);
      theirs = split.post(
        {
          type: 'influence',
          whitening: split.ref('whitening'),
          test: scoring ? split.ref('test') : undefined,
          gradientsT,
          rows: starts[b + 2] - starts[b + 1],
        },
        [gradientsT.buffer as ArrayBuffer],
      );
    }
    try {
      use(b, computeInfluenceOfBlock(whitening, testTensor, gradientsOf(b), starts[b + 1] - starts[b]));
    } catch (error) {
      if (theirs >= 0) split.abandon();
      throw error;
    }
    if (theirs >= 0) {
      const reply = split.collect(theirs, signal);
      use(b + 1, { self: reply.f64[0], scores: reply.f32[0] });
    }
    input.onProgress?.(starts[Math.min(b + step, blocks)], train.n);
  }
  return { selfInfluence, topK: tracker };
}
