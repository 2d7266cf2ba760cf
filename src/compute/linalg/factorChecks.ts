/**
 * Checking and refining a Cholesky factor in float64 (blockedCholesky.ts makes the factors): how far L·Lᵀ is from
 * the matrix it factors, measured by power steps on exact products, and solves refined against the matrix itself,
 * so a factor computed with float32 updates still gives float64-accurate solves.
 */
import { throwIfAborted } from '../cancel';

/** Solves L·x = b in place (forward substitution). */
function forwardInPlace(l: Float64Array, n: number, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let sum = x[i];
    for (let k = 0; k < i; k++) sum -= l[row + k] * x[k];
    x[i] = sum / l[row + i];
  }
}

/** Solves Lᵀ·x = b in place (back substitution, row-oriented axpy). */
function backwardInPlace(l: Float64Array, n: number, x: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    const row = i * n;
    x[i] /= l[row + i];
    const xi = x[i];
    for (let k = 0; k < i; k++) x[k] -= l[row + k] * xi;
  }
}

/** y = (A + shift·I)·x for symmetric A (float64, full storage). */
function symmetricTimes(a: Float64Array, n: number, x: Float64Array, out: Float64Array, shift = 0): void {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let s = shift * x[i];
    for (let k = 0; k < n; k++) s += a[row + k] * x[k];
    out[i] = s;
  }
}

/**
 * A symmetric matrix held as the strict upper triangle of `upper` (row-major n × n, whatever its lower triangle
 * holds: the factor, when it was computed in place) and its diagonal apart.
 */
export interface UpperSymmetric {
  upper: Float64Array;
  diagonal: Float64Array;
}

/** Rows per pass of upperTimesInOrder: their entries left of the block are read 8 adjacent doubles at a time. */
const ROW_BLOCK = 8;

/**
 * symmetricTimes for A given as UpperSymmetric, each row's terms summed in the same order (k = 0…n−1) from the
 * same values — the same bytes as symmetricTimes on the full matrix (A is exactly symmetric). Entries left of the
 * diagonal are read down the columns of the upper triangle, for ROW_BLOCK rows at once.
 */
function upperTimesInOrder(a: UpperSymmetric, n: number, x: Float64Array, out: Float64Array, shift = 0): void {
  const { upper: u, diagonal } = a;
  const sums = new Float64Array(ROW_BLOCK);
  for (let i0 = 0; i0 < n; i0 += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, n - i0);
    for (let r = 0; r < rows; r++) sums[r] = shift * x[i0 + r];
    for (let k = 0; k < i0; k++) {
      const from = k * n + i0;
      const xk = x[k];
      for (let r = 0; r < rows; r++) sums[r] += u[from + r] * xk;
    }
    for (let r = 0; r < rows; r++) {
      const i = i0 + r;
      let s = sums[r];
      for (let k = i0; k < i; k++) s += u[k * n + i] * x[k];
      s += diagonal[i] * x[i];
      const row = i * n;
      for (let k = i + 1; k < n; k++) s += u[row + k] * x[k];
      out[i] = s;
    }
  }
}

/** (A + shift·I)·x for A full or UpperSymmetric. */
function times(a: Float64Array | UpperSymmetric, n: number, x: Float64Array, out: Float64Array, shift: number): void {
  if (a instanceof Float64Array) symmetricTimes(a, n, x, out, shift);
  else upperTimesInOrder(a, n, x, out, shift);
}

/**
 * η ≈ ‖L⁻¹·A·L⁻ᵀ − I‖₂, the deviation of a factor from the matrix it stands
 * for, by power iteration (float64, three O(n²) passes per step). With
 * F = L⁻¹AL⁻ᵀ − I and w = L⁻¹g, gᵀA⁻¹g = wᵀ(I + F)⁻¹w, so every self-influence
 * computed from L is within a factor [1 − η/(1+η), 1 + η/(1−η)] of the exact
 * one, and every score g_tᵀA⁻¹g_i within (η/(1−η))·√(s_t s_i). Power iteration
 * approaches ‖F‖ from below; callers keep a safety factor.
 */
export function factorDeviation(a: Float64Array, l: Float64Array, n: number, steps = 12, signal?: AbortSignal): number {
  return operatorDeviation((x, out) => symmetricTimes(a, n, x, out), l, n, steps, signal);
}

/**
 * factorDeviation with L and A in one array: L in the lower triangle, A's strict upper triangle above it, and A's
 * diagonal in `diagonal` (choleskyMixed with keepUpper leaves exactly that). Saves a copy of A — at P = 5000 a
 * 200 MB array, whose first touch alone costs 0.3–0.9 s here.
 */
export function packedFactorDeviation(
  packed: Float64Array,
  diagonal: Float64Array,
  n: number,
  steps = 12,
  signal?: AbortSignal,
): number {
  return operatorDeviation((x, out) => upperSymmetricTimes(packed, diagonal, n, x, out), packed, n, steps, signal);
}

/** y = A·x for symmetric A given by its strict upper triangle (rows of `u`) and its diagonal, row by row. */
function upperSymmetricTimes(u: Float64Array, diagonal: Float64Array, n: number, x: Float64Array, out: Float64Array) {
  for (let i = 0; i < n; i++) out[i] = diagonal[i] * x[i];
  for (let i = 0; i < n; i++) {
    const row = i * n;
    const xi = x[i];
    let s = out[i];
    for (let k = i + 1; k < n; k++) {
      const v = u[row + k];
      s += v * x[k];
      out[k] += v * xi;
    }
    out[i] = s;
  }
}

/**
 * factorDeviation for a matrix given only as its product `apply(x, out)`: out = A·x (float64). Lets a factor of
 * one matrix be checked against another that is never formed (the head's Hessian at a nearby point, polishHead.ts).
 */
export function operatorDeviation(
  apply: (x: Float64Array, out: Float64Array) => void,
  l: Float64Array,
  n: number,
  steps = 12,
  signal?: AbortSignal,
): number {
  let v = new Float64Array(n);
  // A deterministic start with weight in every direction.
  for (let i = 0; i < n; i++) v[i] = Math.sin(1 + 1.7 * i) + 0.5;
  normalise(v);
  const y = new Float64Array(n);
  let estimate = 0;
  for (let s = 0; s < steps; s++) {
    throwIfAborted(signal);
    const u = Float64Array.from(v);
    backwardInPlace(l, n, u);
    apply(u, y);
    forwardInPlace(l, n, y);
    for (let i = 0; i < n; i++) y[i] -= v[i];
    estimate = Math.max(estimate, normalise(y));
    if (estimate === 0) return 0;
    v = Float64Array.from(y);
  }
  return estimate;
}

function normalise(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const norm = Math.sqrt(s);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return norm;
}

/**
 * Solves (A + shift·I)·x = b with an approximate factor L (L·Lᵀ ≈ A + shift·I) and iterative
 * refinement against A in float64: x ← x + (LLᵀ)⁻¹(b − A·x). Each step shrinks
 * the error by about η (factorDeviation), so a mixed-precision factor gives
 * float64-accurate solves in a few steps. Stops when the correction no longer
 * changes x at float64 resolution.
 */
export function refinedCholeskySolve(
  a: Float64Array | UpperSymmetric,
  l: Float64Array,
  n: number,
  b: ArrayLike<number>,
  maxSteps = 4,
  shift = 0,
): Float64Array {
  const x = Float64Array.from(b as ArrayLike<number>);
  forwardInPlace(l, n, x);
  backwardInPlace(l, n, x);
  const r = new Float64Array(n);
  for (let step = 0; step < maxSteps; step++) {
    times(a, n, x, r, shift);
    for (let i = 0; i < n; i++) r[i] = b[i] - r[i];
    forwardInPlace(l, n, r);
    backwardInPlace(l, n, r);
    let dx = 0;
    let xs = 0;
    for (let i = 0; i < n; i++) {
      x[i] += r[i];
      dx = Math.max(dx, Math.abs(r[i]));
      xs = Math.max(xs, Math.abs(x[i]));
    }
    if (dx <= 1e-15 * xs) break;
  }
  return x;
}
