/**
 * Exact influence's whitened test gradients W_test = (L⁻¹G_testᵀ)ᵀ (n_test × P, a row per test sample; in
 * class-contrast coordinates, P = D·(C − 1): head/classContrasts.ts), in blocks of test samples that this thread and
 * the matrices helper (parallel/serveMatrices.ts) take from a counter in shared memory, as for the training rows
 * (influenceBlocks.ts). Each whitened gradient is the same matMul's column whatever the columns beside it, so the
 * bytes do not depend on the blocks or on who computed them.
 */
import type { HeadData, HeadShape } from '../head/softmaxHead';
import { contrastGradientsTransposed } from '../head/classContrasts';
import { claimFrom } from '../issues/splitSearch';
import { transpose } from '../linalg/matmul';
import type { LowerProduct } from '../linalg/triangularProduct';
import type { NextBlock } from './influenceBlocks';

export interface TestRows {
  test: HeadData;
  shape: HeadShape;
  /** Softmax probabilities of the test rows at θ̂ (n_test × C). */
  probs: Float64Array;
  /** Block b is test rows [starts[b], starts[b + 1]). */
  starts: ArrayLike<number>;
}

/** Whitens the blocks `next` hands out into their rows of `out` (n_test × P). */
export function whitenTestBlocks(whitening: LowerProduct, rows: TestRows, next: NextBlock, out: Float32Array): void {
  const { starts } = rows;
  const p = whitening.p;
  for (let b = next(); b < starts.length - 1; b = next()) {
    const cols = starts[b + 1] - starts[b];
    const gradientsT = new Float32Array(p * cols);
    contrastGradientsTransposed(rows.test, rows.shape, rows.probs, starts[b], starts[b + 1], gradientsT);
    transpose(whitening.multiply(gradientsT, cols), p, cols, out.subarray(starts[b] * p, starts[b + 1] * p));
  }
}

/** The helper's side: W_test with the rows of the blocks it took from `claims` filled, and those blocks. */
export function whitenedTestPart(
  whitening: LowerProduct,
  rows: TestRows,
  claims: Int32Array,
): { out: Float32Array; taken: Int32Array } {
  const taken: number[] = [];
  const out = new Float32Array(rows.test.n * whitening.p);
  whitenTestBlocks(whitening, rows, claimFrom(claims, rows.starts.length - 1, taken), out);
  return { out, taken: Int32Array.from(taken) };
}
