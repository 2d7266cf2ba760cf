/**
 * Exact influence's blocks of training rows (exactHeadInfluence.ts) as one thread computes them: for each block it
 * takes, the per-sample gradients Gᵀ (P × rows, in class-contrast coordinates: P = D·(C − 1), head/classContrasts.ts),
 * their whitening L⁻¹Gᵀ, the self-influence s_i = ‖L⁻¹g_i‖² (summed in float64) and the scores W_test·L⁻¹Gᵀ
 * (n_test × rows), scanned for the top k straight from the backend's heap.
 * This thread and the matrices helper (parallel/serveMatrices.ts) run this same code, each taking blocks from a
 * counter in shared memory until none are left (the faster thread, on a loaded machine, takes more), each with its
 * own top-k lists, merged at the end (TopKTracker.merge: the lists one thread offering every block in order keeps).
 * Every score is the same matMul whichever thread computes its block, so the results are the same bytes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../cancel';
import type { HeadData, HeadShape } from '../head/softmaxHead';
import { contrastGradientsTransposed } from '../head/classContrasts';
import { claimFrom } from '../issues/splitSearch';
import { useAndDispose } from '../linalg/matmul';
import type { LowerProduct } from '../linalg/triangularProduct';
import { TopKTracker } from './topK';

/** The next block index for this thread (past the last: none left). */
export type NextBlock = () => number;

export interface InfluenceBlocks {
  /** X ↦ L⁻¹X. */
  whitening: LowerProduct;
  /** The whitened test gradients W_test (n_test × P) on this thread's backend; absent: self-influence only. */
  test?: tf.Tensor2D;
  train: HeadData;
  shape: HeadShape;
  /** Softmax probabilities of the training rows at θ̂ (n × C). */
  probs: Float64Array;
  /** Block b is rows [starts[b], starts[b + 1]). */
  starts: ArrayLike<number>;
}

/**
 * Computes the blocks `next` hands out: their self-influence into `self` (n entries, zero before) and, with a test
 * set, their scores offered to `tracker`. `onBlock` runs after each block.
 */
export function influenceOfBlocks(
  work: InfluenceBlocks,
  next: NextBlock,
  self: Float64Array,
  tracker: TopKTracker | undefined,
  signal?: AbortSignal,
  onBlock?: () => void,
): void {
  const { whitening, test, starts } = work;
  const p = whitening.p;
  const blocks = starts.length - 1;
  let most = 0;
  for (let b = 0; b < blocks; b++) most = Math.max(most, starts[b + 1] - starts[b]);
  // Reused block after block (fresh arrays of this size cost their first-touch page faults and garbage collection).
  let gradientsBuffer: Float32Array<ArrayBuffer> | undefined;
  let whitenedBuffer: Float32Array<ArrayBuffer> | undefined;
  for (let b = next(); b < blocks; b = next()) {
    throwIfAborted(signal);
    const start = starts[b];
    const rows = starts[b + 1] - start;
    gradientsBuffer ??= new Float32Array(p * most);
    whitenedBuffer ??= new Float32Array(p * most);
    const gradientsT = gradientsBuffer.subarray(0, p * rows);
    contrastGradientsTransposed(work.train, work.shape, work.probs, start, start + rows, gradientsT);
    const whitened = whitening.multiply(gradientsT, rows, whitenedBuffer.subarray(0, p * rows));
    for (let q = 0; q < p; q++) {
      const base = q * rows;
      for (let r = 0; r < rows; r++) self[start + r] += whitened[base + r] * whitened[base + r];
    }
    if (test && tracker) {
      const product = tf.tidy(() => tf.matMul(test, tf.tensor2d(whitened, [p, rows])));
      useAndDispose(product, (scores) => {
        for (let t = 0; t < tracker.rows; t++) tracker.offerRow(t, start, scores, t * rows, rows);
      });
    }
    onBlock?.();
  }
}

/** What the helper's share comes back as: self-influence of its blocks (n entries), its top-k lists, its blocks. */
export interface InfluencePart {
  self: Float64Array;
  tracker: TopKTracker;
  taken: Int32Array;
}

/** The helper's side: the blocks it takes from `claims` (a counter in shared memory), with lists of `k`. */
export function influencePart(work: InfluenceBlocks, claims: Int32Array, k: number): InfluencePart {
  const taken: number[] = [];
  const self = new Float64Array(work.train.n);
  const tracker = new TopKTracker(work.test?.shape[0] ?? 0, k);
  influenceOfBlocks(work, claimFrom(claims, work.starts.length - 1, taken), self, work.test ? tracker : undefined);
  return { self, tracker, taken: Int32Array.from(taken) };
}
