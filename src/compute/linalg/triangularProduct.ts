/**
 * W = G·Mᵀ for M lower triangular (the whitening of exact influence, M = L⁻¹), as float32 matMuls that skip
 * the zero half of U = Mᵀ. Column block J = [j0, j1) of W is G[:, 0:j1]·U[0:j1, J]: the rows of U below j1
 * are zero in those columns. With b column blocks the product costs (b + 1)/(2b) of the dense one (b = 8: 56%);
 * the copies this takes (G's column prefixes, W's blocks) are O(rows·P·b), small beside its rows·P² multiply-adds.
 *
 * Every entry of W is the dense product's sum without its zero terms, so the two agree to float32 rounding of
 * a P-term dot product (the difference is in the order of summation only).
 */
import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose } from './matmul';

/** Columns per block: wide enough that each matMul runs near the backend's peak. */
const TARGET_BLOCK_WIDTH = 384;
const MAX_BLOCKS = 8;

export function triangularBlockCount(p: number): number {
  return Math.min(MAX_BLOCKS, Math.max(1, Math.round(p / TARGET_BLOCK_WIDTH)));
}

export class LowerTransposeProduct {
  private readonly pieces: { end: number; u: tf.Tensor2D }[] = [];

  /** `m`: P × P row-major, lower triangular (entries above the diagonal are ignored: taken as zero). */
  constructor(
    m: ArrayLike<number>,
    private readonly p: number,
    blocks = triangularBlockCount(p),
  ) {
    for (let b = 0; b < blocks; b++) {
      const j0 = Math.round((b * p) / blocks);
      const j1 = Math.round(((b + 1) * p) / blocks);
      if (j1 <= j0) continue;
      const width = j1 - j0;
      const piece = new Float32Array(j1 * width);
      // piece[i][j − j0] = U[i][j] = M[j][i], zero for i > j.
      for (let j = j0; j < j1; j++) {
        const row = j * p;
        for (let i = 0; i <= j; i++) piece[i * width + (j - j0)] = m[row + i];
      }
      this.pieces.push({ end: j1, u: tf.tensor2d(piece, [j1, width]) });
    }
  }

  /** G·Mᵀ for G rows × P row-major; the result is rows × P row-major. */
  multiply(g: Float32Array, rows: number): Float32Array {
    return readAndDispose(tf.tidy(() => this.multiplyTensor(g, rows)));
  }

  /** multiply() as a tensor (call inside tf.tidy). */
  multiplyTensor(g: Float32Array, rows: number): tf.Tensor2D {
    const p = this.p;
    const gt = tf.tensor2d(g, [rows, p]);
    const parts = this.pieces.map(({ end, u }) => tf.matMul(end === p ? gt : tf.slice(gt, [0, 0], [rows, end]), u));
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D;
  }

  dispose(): void {
    for (const piece of this.pieces) piece.u.dispose();
    this.pieces.length = 0;
  }
}
