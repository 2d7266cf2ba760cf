/**
 * M·X for M lower triangular (the whitening of exact influence, M = L⁻¹, X = Gᵀ the gradients as columns), as
 * float32 matMuls that skip M's zero half. Row block J = [j0, j1) of M·X is M[J, 0:j1]·X[0:j1, :]: the columns of M
 * right of j1 are zero in those rows. With b row blocks the product costs (b + 1)/(2b) of the dense one (b = 8: 56%).
 * X[0:j1, :] is a prefix of X's row-major values, so each block's operand is uploaded from a subarray and its
 * result read straight into its rows: no tensor slice or concat (on the wasm backend both copy the whole input
 * out of the heap, several times the products' own cost).
 *
 * Every entry of M·X is the dense product's sum without its zero terms, so the two agree to float32 rounding of
 * a P-term dot product (the difference is in the order of summation only).
 */
import * as tf from '@tensorflow/tfjs-core';
import { useAndDispose } from './matmul';
import { packedLength, packedRowStart } from './packedLower';

/** Rows per block: wide enough that each matMul runs near the backend's peak. */
const TARGET_BLOCK_WIDTH = 384;
const MAX_BLOCKS = 8;

export function triangularBlockCount(p: number): number {
  return Math.min(MAX_BLOCKS, Math.max(1, Math.round(p / TARGET_BLOCK_WIDTH)));
}

/**
 * X ↦ M·X for a P × P lower-triangular M, on this thread's backend: the whitening of exact influence (M = L⁻¹),
 * by a product with a packed M (PackedLowerProduct) or by a blocked solve with L (triangularSolve.ts LowerSolve).
 */
export interface LowerProduct {
  readonly p: number;
  /** M·X for X P × cols row-major; the result is P × cols row-major, written into `out` when given. */
  multiply(x: Float32Array, cols: number, out?: Float32Array): Float32Array;
  dispose(): void;
}

export class PackedLowerProduct implements LowerProduct {
  private readonly pieces: { start: number; end: number; m: tf.Tensor2D }[] = [];

  /** `m`: the P × P lower-triangular M packed by rows (packedLower.ts). */
  constructor(
    m: Float32Array,
    readonly p: number,
    blocks = triangularBlockCount(p),
  ) {
    if (m.length !== packedLength(p)) throw new Error(`internal error: ${m.length} values for a packed ${p} × ${p}`);
    for (let b = 0; b < blocks; b++) {
      const j0 = Math.round((b * p) / blocks);
      const j1 = Math.round(((b + 1) * p) / blocks);
      if (j1 <= j0) continue;
      // piece[j − j0][i] = M[j][i] for i ≤ j, zero above the diagonal.
      const piece = new Float32Array((j1 - j0) * j1);
      for (let j = j0; j < j1; j++) {
        const row = packedRowStart(j);
        piece.set(m.subarray(row, row + j + 1), (j - j0) * j1);
      }
      this.pieces.push({ start: j0, end: j1, m: tf.tensor2d(piece, [j1 - j0, j1]) });
    }
  }

  /**
   * M·X for X P × cols row-major; the result is P × cols row-major, written into `out` when given (a buffer reused
   * block after block: a fresh one's pages are faulted in on first touch, and it adds to the garbage). Each block's
   * result is copied from the backend's heap straight into its rows (no dataSync copy in between).
   */
  multiply(x: Float32Array, cols: number, out = new Float32Array(this.p * cols)): Float32Array {
    if (out.length < this.p * cols) throw new Error(`internal error: ${out.length} floats for a ${this.p} × ${cols}`);
    for (const { start, end, m } of this.pieces) {
      const product = tf.tidy(() => tf.matMul(m, tf.tensor2d(x.subarray(0, end * cols), [end, cols])));
      useAndDispose(product, (block) => out.set(block, start * cols));
    }
    return out;
  }

  dispose(): void {
    for (const piece of this.pieces) piece.m.dispose();
    this.pieces.length = 0;
  }
}
