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
 *
 * The mixed factor's check (12 float64 power steps, ~1 s at P = 5000) can run on the matrix helper thread while the
 * caller already uses the factor (provisionalDampedCholesky; polishHead.ts takes its Newton steps meanwhile and
 * takes them again in the rare case the check fails), so it leaves the critical path without changing a result.
 */
import * as tf from '@tensorflow/tfjs-core';
import { choleskyBlocked64, choleskyMixed, zeroUpper } from './blockedCholesky';
import { packedFactorDeviation, refinedCholeskySolve, type UpperSymmetric } from './factorChecks';
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

/** Power-iteration steps of a mixed factor's check. */
const CHECK_STEPS = 12;

/**
 * Runs a mixed factor's check, packedFactorDeviation(packed, diagonal, n, steps), on another thread
 * (parallel/matrixHelper.ts) while this one goes on; the returned function waits for η. `packed` is in shared
 * memory and must not change until then. The thread answers in order: wait for η before waiting for any later
 * request to it.
 */
export interface DeviationRunner {
  startDeviation(
    packed: Float64Array,
    diagonal: Float64Array,
    n: number,
    steps: number,
  ): (signal?: AbortSignal) => number;
}

/**
 * A factor usable at once, its check possibly still running elsewhere: settle() waits for it and returns what
 * fastDampedCholesky returns — this factor with its η when the check passed, else the float64 factor at the same
 * damping (computed then). Work done meanwhile with `factor` is to be redone when settle() returns another factor.
 * Until settle(), only the lower triangle of `factor` is L (the check reads A above it): triangular solves only.
 */
export interface ProvisionalCholesky extends DampedCholesky {
  precision: FactorInfo['precision'];
  settle(): FastDampedCholesky;
  /**
   * The matrix a solve with this factor refines against (dampedSolve): `a` itself, or — factored in place — A as the
   * strict upper triangle of the factor's array and its diagonal, until restore() or zeroUpper.
   */
  matrix: Float64Array | UpperSymmetric;
  /**
   * A again, as a full matrix: `a` itself, or — factored in place — the factor's array made A again (the factor is
   * lost: only once it is no longer used).
   */
  restore(): Float64Array;
}

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
  return provisionalDampedCholesky(a, n, minDamping, signal, options).settle();
}

/**
 * fastDampedCholesky whose mixed factor's check may run on another thread (`checker`) while the caller already
 * uses the factor; without a checker the check runs here first and the factor returned is the settled one.
 * Mixed precision is tried at the first damping only (minDamping): a breakdown or a failed check there means the
 * float32 updates lose the matrix, and a larger δ would not be tried in mixed precision either.
 */
export function provisionalDampedCholesky(
  a: Float64Array,
  n: number,
  minDamping = 0,
  signal?: AbortSignal,
  options: { allowMixed?: boolean; runner?: ProductRunner; checker?: DeviationRunner; inPlace?: boolean } = {},
): ProvisionalCholesky {
  const tryMixed = (options.allowMixed ?? true) && n >= MIXED_PRECISION.minSize && fastMatMulAvailable();
  if (tryMixed) {
    const { checker } = options;
    // One array for the factor and the check: L in the lower triangle, A + δI's strict upper triangle left above it
    // by the factorization, its diagonal kept apart; no copy of A. In place (the caller gives `a` up: polishHead.ts)
    // that array is `a` itself, and A stays recoverable from it until the caller zeroes its upper triangle: at
    // P = 7850 the copy was 493 MB, a third of the Hessian stage's peak. The other thread needs shared memory, for
    // the check and to subtract its trailing updates in place (blockedCholesky.ts).
    const shared = checker !== undefined || (options.runner !== undefined && isParallel(options.runner));
    const inPlace = (options.inPlace ?? false) && (!shared || a.buffer instanceof SharedArrayBuffer);
    const work = inPlace ? a : copyOf(a, shared);
    const undamped = new Float64Array(n);
    for (let i = 0; i < n; i++) undamped[i] = work[i * n + i];
    if (minDamping > 0) for (let i = 0; i < n; i++) work[i * n + i] += minDamping;
    const diagonal = new Float64Array(n);
    for (let i = 0; i < n; i++) diagonal[i] = work[i * n + i];
    const restore = inPlace ? () => symmetricFromUpper(work, undamped, n) : () => a;
    const matrix = inPlace ? { upper: work, diagonal: undamped } : a;
    if (choleskyMixed(work, n, signal, {}, options.runner, true)) {
      const verdict = (deviation: number): FastDampedCholesky => {
        if (deviation <= MIXED_PRECISION.tolerance) {
          if (!inPlace) zeroUpper(work, n);
          return { factor: work, damping: minDamping, precision: 'mixed', deviation };
        }
        return float64DampedCholesky(restore(), n, minDamping, signal);
      };
      if (!checker) {
        const deviation = packedFactorDeviation(work, diagonal, n, CHECK_STEPS, signal);
        return settledAlready(verdict(deviation), matrix, restore);
      }
      const wait = checker.startDeviation(work, diagonal, n, CHECK_STEPS);
      let settled: FastDampedCholesky | undefined;
      const settle = () => (settled ??= verdict(wait(signal)));
      return { factor: work, damping: minDamping, precision: 'mixed', settle, matrix, restore };
    }
    // A breakdown leaves `work` partly overwritten: the float64 routine starts from A again.
    const matrixAgain = restore();
    return settledAlready(float64DampedCholesky(matrixAgain, n, minDamping, signal), matrixAgain, restore);
  }
  return settledAlready(float64DampedCholesky(a, n, minDamping, signal), a, () => a);
}

function isParallel(runner: ProductRunner): boolean {
  return 'parallel' in runner && runner.parallel === true;
}

function settledAlready(
  f: FastDampedCholesky,
  matrix: ProvisionalCholesky['matrix'],
  restore: () => Float64Array,
): ProvisionalCholesky {
  return { ...f, settle: () => f, matrix, restore };
}

/**
 * Makes `a` the symmetric matrix whose strict upper triangle it holds, with `diagonal` (what a factorization in place
 * with keepUpper leaves recoverable), and returns it: the same values A had (A is exactly symmetric).
 */
function symmetricFromUpper(a: Float64Array, diagonal: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < i; j++) a[row + j] = a[j * n + i];
    a[row + i] = diagonal[i];
  }
  return a;
}

/** A copy of `a`, in shared memory when another thread is to read it. */
function copyOf(a: Float64Array, shared: boolean): Float64Array {
  if (!shared) return a.slice();
  const copy = new Float64Array(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}

/** The float64 blocked routine with the smallest δ from {minDamping, base·10^k} that makes A + δI positive definite. */
function float64DampedCholesky(
  a: Float64Array,
  n: number,
  minDamping: number,
  signal?: AbortSignal,
): FastDampedCholesky {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  const base = Math.max(Math.abs(trace) / Math.max(n, 1), 1e-12) * 1e-8;
  let damping = minDamping;
  for (let attempt = 0; attempt < 24; attempt++) {
    const damped = a.slice();
    if (damping > 0) for (let i = 0; i < n; i++) damped[i * n + i] += damping;
    if (choleskyBlocked64(damped, n, signal)) return { factor: damped, damping, precision: 'float64', deviation: 0 };
    damping = damping === 0 ? base : damping * 10;
  }
  throw new Error('the Hessian could not be made positive definite by damping (it contains NaN or Inf?)');
}

/**
 * Solves (A + δI)·x = b with a factor from fastDampedCholesky: a float64 factor
 * directly, a mixed one refined against the damped matrix in float64.
 */
export function dampedSolve(
  a: Float64Array | UpperSymmetric,
  n: number,
  f: FastDampedCholesky,
  b: ArrayLike<number>,
): Float64Array {
  if (f.precision === 'float64') return choleskySolve(f.factor, n, b);
  return refinedCholeskySolve(a, f.factor, n, b, 4, f.damping);
}
