/**
 * Dense symmetric positive-definite algebra in Float64. tfjs computes in
 * float32 only, which is not enough to invert a Hessian whose condition
 * number grows as 1/λ; these routines carry the solve in double precision.
 *
 * Matrices are row-major Float64Arrays of size n×n. The O(n³) routines take
 * an optional AbortSignal, checked every CHECK_ROWS rows (a 4000×4000 factor
 * takes seconds; the check costs nothing next to a row).
 */
import { throwIfAborted } from '../cancel';

/** Rows between cancellation checks: at n = 4000, 16 rows are ~100 ms of work at most. */
const CHECK_ROWS = 16;

/**
 * In-place Cholesky factorisation A = L·Lᵀ. On success the lower triangle of
 * `a` holds L and the strict upper triangle is zeroed; returns true. Returns
 * false (leaving `a` partly overwritten) when A is not numerically positive
 * definite, so the caller can add damping and retry on a fresh copy.
 *
 * Row-oriented (the inner loop is a dot product of two contiguous rows of
 * L), which is the cache-friendly order for row-major storage.
 */
export function choleskyInPlace(a: Float64Array, n: number, signal?: AbortSignal): boolean {
  for (let i = 0; i < n; i++) {
    if (i % CHECK_ROWS === 0) throwIfAborted(signal);
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j];
      for (let k = 0; k < j; k++) sum -= a[rowI + k] * a[rowJ + k];
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return false;
        a[rowI + i] = Math.sqrt(sum);
      } else {
        a[rowI + j] = sum / a[rowJ + j];
      }
    }
    for (let j = i + 1; j < n; j++) a[rowI + j] = 0;
  }
  return true;
}

/**
 * Inverse of a lower-triangular L (row-major), itself lower triangular.
 * Computing L⁻¹ once turns many triangular solves into one matrix product,
 * which the caller can hand to a fast float32 kernel.
 */
export function invertLowerTriangular(l: Float64Array, n: number, signal?: AbortSignal): Float64Array {
  const inv = new Float64Array(n * n);
  // Row i of L⁻¹ is (e_i − Σ_{k<i} L[i,k]·row_k(L⁻¹)) / L[i,i]: a sum of
  // contiguous row updates (axpy), which keeps memory access sequential.
  for (let i = 0; i < n; i++) {
    if (i % CHECK_ROWS === 0) throwIfAborted(signal);
    const rowI = i * n;
    for (let k = 0; k < i; k++) {
      const lik = l[rowI + k];
      if (lik === 0) continue;
      const rowK = k * n;
      for (let j = 0; j <= k; j++) inv[rowI + j] -= lik * inv[rowK + j];
    }
    const scale = 1 / l[rowI + i];
    for (let j = 0; j < i; j++) inv[rowI + j] *= scale;
    inv[rowI + i] = scale;
  }
  return inv;
}

/** Solves L·x = b for lower-triangular L (forward substitution). */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[row + k] * x[k];
    x[i] = sum / l[row + i];
  }
  return x;
}

/** Solves Lᵀ·x = b for lower-triangular L (back substitution). */
export function solveUpperTransposed(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b as ArrayLike<number>);
  for (let i = n - 1; i >= 0; i--) {
    x[i] /= l[i * n + i];
    const xi = x[i];
    for (let k = 0; k < i; k++) x[k] -= l[i * n + k] * xi;
  }
  return x;
}

/** Solves (L·Lᵀ)·x = b given the Cholesky factor L. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  return solveUpperTransposed(l, n, solveLower(l, n, b));
}

export interface DampedCholesky {
  /** The lower-triangular factor of A + damping·I. */
  factor: Float64Array;
  /** The damping that had to be added (0 when A itself was positive definite). */
  damping: number;
}

/**
 * Cholesky of A + δI with the smallest δ from {0, base·10^k} that succeeds,
 * where base is 1e-8 of the mean diagonal. Influence needs a positive-definite
 * Hessian; an unregularised or non-convex problem gets just enough damping,
 * and the caller reports how much.
 */
export function dampedCholesky(a: Float64Array, n: number, minDamping = 0, signal?: AbortSignal): DampedCholesky {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  const base = Math.max(Math.abs(trace) / Math.max(n, 1), 1e-12) * 1e-8;
  let damping = minDamping;
  for (let attempt = 0; attempt < 24; attempt++) {
    const work = Float64Array.from(a);
    if (damping > 0) for (let i = 0; i < n; i++) work[i * n + i] += damping;
    if (choleskyInPlace(work, n, signal)) return { factor: work, damping };
    damping = damping === 0 ? base : damping * 10;
  }
  throw new Error('the Hessian could not be made positive definite by damping (it contains NaN or Inf?)');
}
