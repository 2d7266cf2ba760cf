/**
 * Checking and refining a Cholesky factor in float64 (blockedCholesky.ts makes the factors): how far L·Lᵀ is from
 * the matrix it factors, measured by power steps on exact products, and solves refined against the matrix itself,
 * so a factor computed with float32 updates still gives float64-accurate solves.
 */
import { throwIfAborted } from '../cancel';
import { LanczosProcess } from '../solvers/lanczosProcess';
import { norm } from '../solvers/vectors';
import { backInPlace, forwardInto } from './unrolledSolve';

/*
 * The triangular passes take four rows at a time (unrolledSolve.ts), and so does A·x from the upper triangle
 * (upperRowsTimes): every sum and every entry still takes its terms in the one-row-at-a-time order, so the bytes are
 * those of the plain loops (factorChecks.test.ts), where the mixed factor's check and the polish's η make 36 such
 * passes over a P × P array (P = 5000: 200 MB).
 */

/** Solves L·x = b in place (forward substitution). */
function forwardInPlace(l: Float64Array, n: number, x: Float64Array): void {
  forwardInto(l, n, x, x);
}

/** Solves Lᵀ·x = b in place (back substitution, row-oriented axpy). */
const backwardInPlace = backInPlace;

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

/** (A + shift·I)·x for A full or UpperSymmetric. */
function times(a: Float64Array | UpperSymmetric, n: number, x: Float64Array, out: Float64Array, shift: number): void {
  if (a instanceof Float64Array) symmetricTimes(a, n, x, out, shift);
  else upperRowsTimes(a.upper, a.diagonal, n, x, out, shift);
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
  return operatorDeviation((x, out) => upperRowsTimes(packed, diagonal, n, x, out), packed, n, steps, signal);
}

/**
 * y = (A + shift·I)·x for symmetric A given by its strict upper triangle (rows of `u`, whatever is below it) and its
 * diagonal, reading each row once, in order: row i adds u_ik·x_k to its own sum and u_ik·x_i to out[k] (k > i), four
 * rows at a time. Without a shift, out[i] starts at a_ii·x_i (packedFactorDeviation's order); with one, at shift·x_i,
 * a_ii·x_i added when row i starts — then every out[i] takes its terms in symmetricTimes' order on the full matrix
 * (shift, k = 0…n−1), the same bytes, where reading the entries left of the diagonal down the columns of the upper
 * triangle (a 40 KB stride at P = 5000) cost ten times this.
 */
function upperRowsTimes(
  u: Float64Array,
  diagonal: Float64Array,
  n: number,
  x: Float64Array,
  out: Float64Array,
  shift?: number,
): void {
  const atRow = shift !== undefined;
  for (let i = 0; i < n; i++) out[i] = atRow ? shift * x[i] : diagonal[i] * x[i];
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    // The four rows' entries within their own columns i…i+3, row by row as one row at a time takes them.
    const sums = [0, 0, 0, 0];
    for (let r = 0; r < 4; r++) {
      const row = r0 + r * n;
      const xr = x[i + r];
      let s = out[i + r];
      if (atRow) s += diagonal[i + r] * xr;
      for (let k = i + r + 1; k < i + 4; k++) {
        const v = u[row + k];
        s += v * x[k];
        out[k] += v * xr;
      }
      sums[r] = s;
    }
    let [s0, s1, s2, s3] = sums;
    const x0 = x[i];
    const x1 = x[i + 1];
    const x2 = x[i + 2];
    const x3 = x[i + 3];
    for (let k = i + 4; k < n; k++) {
      const v0 = u[r0 + k];
      const v1 = u[r1 + k];
      const v2 = u[r2 + k];
      const v3 = u[r3 + k];
      const xk = x[k];
      s0 += v0 * xk;
      s1 += v1 * xk;
      s2 += v2 * xk;
      s3 += v3 * xk;
      let o = out[k];
      o += v0 * x0;
      o += v1 * x1;
      o += v2 * x2;
      o += v3 * x3;
      out[k] = o;
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (; i < n; i++) {
    const row = i * n;
    const xi = x[i];
    let s = out[i];
    if (atRow) s += diagonal[i] * xi;
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
  const deviate = deviationOperator(apply, l, n);
  let v = startVector(n);
  const y = new Float64Array(n);
  let estimate = 0;
  for (let s = 0; s < steps; s++) {
    throwIfAborted(signal);
    deviate(v, y);
    estimate = Math.max(estimate, normalise(y));
    if (estimate === 0) return 0;
    v = Float64Array.from(y);
  }
  return estimate;
}

/** x ↦ F·x = (L⁻¹AL⁻ᵀ − I)·x in float64, A given by its product. */
function deviationOperator(
  apply: (x: Float64Array, out: Float64Array) => void,
  l: Float64Array,
  n: number,
): (x: Float64Array, out: Float64Array) => void {
  return (x, out) => {
    const u = Float64Array.from(x);
    backwardInPlace(l, n, u);
    apply(u, out);
    forwardInPlace(l, n, out);
    for (let i = 0; i < n; i++) out[i] -= x[i];
  };
}

/** A deterministic unit start with weight in every direction. */
function startVector(n: number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(1 + 1.7 * i) + 0.5;
  normalise(v);
  return v;
}

/**
 * operatorDeviation by Lanczos instead of power steps: `steps` products of F = L⁻¹AL⁻ᵀ − I span a Krylov space
 * whose Ritz vector x for F's largest |Ritz value| is far nearer F's top eigenvector than the power iterate in the
 * same space (power iteration converges as |λ₂/λ₁|ᵏ: on MNIST's polish its η was still rising 1% a step at the
 * 12th). One more product measures ‖F·x‖ with x a unit vector: like the power estimate, a value F actually takes,
 * so a lower bound of ‖F‖₂ whatever the Lanczos vectors' rounding; the larger of it and every ‖F·q_j‖ met on the
 * way is returned. The process is solvers/lanczosProcess.ts's (full reorthogonalisation), from operatorDeviation's
 * start, so the first product is its first step.
 */
export function lanczosDeviation(
  apply: (x: Float64Array, out: Float64Array) => void,
  l: Float64Array,
  n: number,
  steps = 9,
  signal?: AbortSignal,
): number {
  const deviate = deviationOperator(apply, l, n);
  let measured = 0;
  const product = (q: Float64Array) => {
    const out = new Float64Array(n);
    deviate(q, out);
    measured = Math.max(measured, norm(out));
    return out;
  };
  const lanczos = new LanczosProcess(product, n, 0, startVector(n));
  for (let j = 0; j < steps && !lanczos.exhausted; j++) {
    throwIfAborted(signal);
    lanczos.extend(1);
    // An invariant subspace (the process would restart elsewhere): T's values are F's eigenvalues there.
    if (lanczos.beta[lanczos.steps - 1] === 0) break;
  }
  if (measured === 0) return 0;
  const { values, small } = lanczos.ritz();
  const top = Math.abs(values[0]) >= Math.abs(values[values.length - 1]) ? 0 : values.length - 1;
  throwIfAborted(signal);
  return Math.max(measured, norm(product(lanczos.ritzVector(small, top))));
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
