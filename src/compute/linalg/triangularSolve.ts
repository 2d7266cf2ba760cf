/**
 * The whitening of exact influence, W = L⁻¹X, by a blocked forward substitution with the Cholesky factor L itself
 * instead of a product with a formed L⁻¹ (issue 18): the same n·P² flops as the triangular product, without the P³/3
 * of forming L⁻¹ (which ran at 34–50% of the matMul peak, ~8 s of exact MNIST logistic regression at P = 7850).
 *
 * Row block b = [s, e) of W, with D_b = L_bb⁻¹ and the prefix W[0:s] already solved, is
 *   W_b = D_b·(X_b − L[b, 0:s]·W[0:s]) = [−D_b·L[b, 0:s] | D_b] · [W[0:s]; X_b],
 * one float32 matMul per block whose right operand is a prefix of the output: X_b is copied into its rows of the
 * output, rows 0..e of the output are uploaded from a subarray and the block's result is read straight back into
 * rows s..e (no tensor slice or concat: triangularProduct.ts says why). The operators [−D_b·L[b, 0:s] | D_b] (the
 * "pieces") are formed once per factor by each thread that whitens (the helper reads L in shared memory): D_b by
 * float64 substitution (blockedCholesky.ts diagonalInverse) rounded to float32, −D_b·L[b, 0:s] as one float32 matMul
 * (nb·P² flops in all: 3·nb/P of L⁻¹'s P³/3, 10% at P = 7850). Both threads run the same code on the same L, so their
 * pieces, and the whitening, are the same bytes whichever thread computes a block.
 *
 * Accuracy (test/unit/linalg/triangularSolve.test.ts, against float64 forward substitution with the same L on damped
 * Hessians of cond(H) = 1e4…1e10): whitened vectors within 2e-5 relative (2-norm), self-influence ‖L⁻¹g‖² within
 * 2e-5 relative, scores within 2e-5·‖L⁻¹g_t‖·‖L⁻¹g_i‖ — the asserted bound. Measured ≤ 3.6e-6 at P = 300 (blocks of
 * 32–64) and ≤ 5.2e-6 at P = 1100 (blocks of 256): up to 2.9× the mixed-precision L⁻¹ product's errors at
 * κ = 1e10 (1–1.8× at blocks of 256), both far below cond(L)·u32 (6e-3 there) and 20× below the mixed factor's own
 * accepted deviation (η ≤ 1e-4, fastFactor.ts), which bounds influence end to end; no refinement step, which would
 * double the whitening's cost.
 */
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../cancel';
import { diagonalInverse } from './blockedCholesky';
import { useAndDispose, useMatMul } from './matmul';
import type { LowerProduct } from './triangularProduct';

/** Rows per block of the solve (chosen by measurement: bench/sections/kernels.ts). */
export const SOLVE_BLOCK = 256;

/** Block boundaries 0 = s_0 < … < s_m = p, blocks of nb rows (the last shorter). */
export function solveBlockStarts(p: number, nb = SOLVE_BLOCK): number[] {
  const starts = [0];
  for (let s = nb; s < p; s += nb) starts.push(s);
  if (p > 0) starts.push(p);
  return starts;
}

/** X ↦ L⁻¹X by the blocked forward substitution, its pieces formed from L and kept on this thread's backend. */
export class LowerSolve implements LowerProduct {
  private readonly blocks: { start: number; end: number; piece: tf.Tensor2D }[] = [];

  /**
   * `factor`: the p × p lower-triangular L, row-major (only its lower triangle is read). Checks the AbortSignal once
   * per block.
   */
  constructor(
    factor: Float64Array,
    readonly p: number,
    nb = SOLVE_BLOCK,
    signal?: AbortSignal,
  ) {
    const starts = solveBlockStarts(p, nb);
    // Workspaces for every block (a fresh array's first touch costs ~4 ms per MB of page faults on this machine).
    const inverse = new Float64Array(nb * nb);
    const minusD = new Float32Array(nb * nb);
    const left = new Float32Array(nb * p);
    const piece = new Float32Array(nb * p);
    try {
      for (let b = 0; b + 1 < starts.length; b++) {
        throwIfAborted(signal);
        const [s, e] = [starts[b], starts[b + 1]];
        const kb = e - s;
        // diagonalInverse reads only the lower triangle and needs the strict upper one of its output zero.
        inverse.fill(0);
        const d = diagonalInverse(factor, p, s, kb, inverse);
        const out = piece.subarray(0, kb * e);
        out.fill(0);
        for (let r = 0; r < kb; r++) for (let j = 0; j <= r; j++) out[r * e + s + j] = d[r * kb + j];
        if (s > 0) {
          // −D_b·L[b, 0:s]: the product with −D_b rounded (negation is exact), into the piece's first s columns.
          const md = minusD.subarray(0, kb * kb);
          for (let q = 0; q < kb * kb; q++) md[q] = -d[q];
          const l = left.subarray(0, kb * s);
          for (let r = 0; r < kb; r++) l.set(factor.subarray((s + r) * p, (s + r) * p + s), r * s);
          useMatMul(md, kb, kb, l, s, (product) => {
            for (let r = 0; r < kb; r++) out.set(product.subarray(r * s, (r + 1) * s), r * e);
          });
        }
        this.blocks.push({ start: s, end: e, piece: tf.tensor2d(out, [kb, e]) });
      }
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /**
   * L⁻¹X for X P × cols row-major, into `out` (P × cols row-major; may be `x` itself: the solve runs in place).
   * Block by block in order: each uses the rows solved before it.
   */
  multiply(x: Float32Array, cols: number, out = new Float32Array(this.p * cols)): Float32Array {
    if (out.length < this.p * cols) throw new Error(`internal error: ${out.length} floats for a ${this.p} × ${cols}`);
    for (const { start, end, piece } of this.blocks) {
      if (out !== x) out.set(x.subarray(start * cols, end * cols), start * cols);
      const product = tf.tidy(() => tf.matMul(piece, tf.tensor2d(out.subarray(0, end * cols), [end, cols])));
      useAndDispose(product, (block) => out.set(block, start * cols));
    }
    return out;
  }

  dispose(): void {
    for (const block of this.blocks) block.piece.dispose();
    this.blocks.length = 0;
  }
}
