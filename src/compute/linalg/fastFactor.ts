/**
 * The head's damped Cholesky, choosing the fastest routine that meets the
 * accuracy bound (issue 18 item 1):
 *
 * 1. mixed precision (blockedCholesky.ts: float32 matMuls, float64 diagonal
 *    blocks) when the matrix is large and the tfjs backend is a fast one; its
 *    deviation η = ‖L⁻¹AL⁻ᵀ − I‖₂ is measured, and the factor is kept only when
 *    η ≤ MIXED_PRECISION.tolerance. Then every influence value computed from it
 *    is within η/(1−η) of the float64 one (relative for self-influence, in
 *    units of √(s_t·s_i) for scores), and solves refined against A (refinedSolve)
 *    reach float64 accuracy.
 * 2. otherwise the float64 blocked routine (same results as the unblocked one
 *    to rounding, ~1e-15 relative), which holds for any condition number the
 *    float64 factorization itself survives.
 *
 * Damping follows dampedCholesky (cholesky.ts): the smallest δ from
 * {minDamping, base·10^k} with A + δI positive definite. A mixed attempt that
 * breaks down is retried in float64 at the same δ, so the damping — and with
 * it every result — never depends on which routine ran.
 */
import * as tf from '@tensorflow/tfjs-core';
import { choleskyBlocked64, choleskyMixed } from './blockedCholesky';
import { factorDeviation, refinedCholeskySolve } from './factorChecks';
import { choleskySolve, type DampedCholesky } from './cholesky';
import type { ProductRunner } from './productJobs';

/**
 * Settings of the choice (kept in one object so they can move to an option table unchanged).
 * - minSize: below this the float32 products are too small for their overhead to pay.
 * - tolerance: largest accepted η; 1e-4 keeps every influence value within 1e-4 of the
 *   float64 one, far inside the float32 whitening's own rounding of the scores' ranking.
 */
export const MIXED_PRECISION = { minSize: 768, tolerance: 1e-4 };

export interface FactorInfo {
  /** Which routine produced the factor. */
  precision: 'float64' | 'mixed';
  /**
   * Measured η = ‖L⁻¹AL⁻ᵀ − I‖₂ of the factor against the matrix it stands for: a mixed factor's rounding, or (from
   * polishHead.ts) a factor of the head's Hessian a few Newton steps before the optimum against the Hessian there.
   * 0 for a float64 factor of the matrix itself (its deviation is rounding only).
   */
  deviation: number;
}

export interface FastDampedCholesky extends DampedCholesky, FactorInfo {}

/** True when float32 matMuls run on a fast backend (the pure-JS cpu backend is slower than float64 JS). */
export function fastMatMulAvailable(): boolean {
  const name = tf.getBackend();
  return name === 'wasm' || name === 'tensorflow' || name === 'webgl';
}

export function fastDampedCholesky(
  a: Float64Array,
  n: number,
  minDamping = 0,
  signal?: AbortSignal,
  options: { allowMixed?: boolean; runner?: ProductRunner } = {},
): FastDampedCholesky {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  const base = Math.max(Math.abs(trace) / Math.max(n, 1), 1e-12) * 1e-8;
  let tryMixed = (options.allowMixed ?? true) && n >= MIXED_PRECISION.minSize && fastMatMulAvailable();
  let damping = minDamping;
  for (let attempt = 0; attempt < 24; attempt++) {
    const damped = Float64Array.from(a);
    if (damping > 0) for (let i = 0; i < n; i++) damped[i * n + i] += damping;
    if (tryMixed) {
      const work = Float64Array.from(damped);
      if (choleskyMixed(work, n, signal, {}, options.runner)) {
        const deviation = factorDeviation(damped, work, n, 12, signal);
        if (deviation <= MIXED_PRECISION.tolerance) return { factor: work, damping, precision: 'mixed', deviation };
      }
      // Too ill-conditioned for float32 updates: a mixed attempt at a larger δ would fail too.
      tryMixed = false;
    }
    if (choleskyBlocked64(damped, n, signal)) return { factor: damped, damping, precision: 'float64', deviation: 0 };
    damping = damping === 0 ? base : damping * 10;
  }
  throw new Error('the Hessian could not be made positive definite by damping (it contains NaN or Inf?)');
}

/**
 * Solves (A + δI)·x = b with a factor from fastDampedCholesky: a float64 factor
 * directly, a mixed one refined against the damped matrix in float64.
 */
export function dampedSolve(a: Float64Array, n: number, f: FastDampedCholesky, b: ArrayLike<number>): Float64Array {
  if (f.precision === 'float64') return choleskySolve(f.factor, n, b);
  return refinedCholeskySolve(a, f.factor, n, b, 4, f.damping);
}
