/**
 * Dense float64 references for the solver tests, independent of the code
 * under test: matrices with a chosen spectrum, a cyclic Jacobi eigen-solver,
 * and plain matrix products. Not a test file itself (no .test.ts suffix).
 */
import { createRng, normal } from '../../../src/compute/random';
import type { Hvp } from '../../../src/compute/solvers/types';

export function randomVector(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => normal(rng));
}

/** A random orthogonal n×n matrix (row-major; columns orthonormal) by modified Gram–Schmidt on Gaussian columns. */
export function randomOrthogonal(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const q = Float64Array.from({ length: n * n }, () => normal(rng));
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += q[i * n + j] * q[i * n + k];
      for (let i = 0; i < n; i++) q[i * n + j] -= d * q[i * n + k];
    }
    let len = 0;
    for (let i = 0; i < n; i++) len += q[i * n + j] ** 2;
    len = Math.sqrt(len);
    for (let i = 0; i < n; i++) q[i * n + j] /= len;
  }
  return q;
}

/** Q·diag(eigenvalues)·Qᵀ for a random orthogonal Q: a symmetric matrix with exactly this spectrum. */
export function symmetricWithSpectrum(eigenvalues: readonly number[], seed: number): Float64Array {
  const n = eigenvalues.length;
  const q = randomOrthogonal(n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] * eigenvalues[k] * q[j * n + k];
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  return a;
}

/** Eigenvalues spread geometrically from lo to hi (a controlled condition number hi/lo). */
export function geometricSpectrum(n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / Math.max(n - 1, 1)));
}

export function matVec(a: Float64Array, n: number, v: Float64Array): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j] * v[j];
    out[i] = s;
  }
  return out;
}

/** The dense matrix as an HVP callback. */
export function denseHvp(a: Float64Array, n: number): Hvp {
  return (v) => matVec(a, n, v);
}

/** A + δI (copy). */
export function addDiagonal(a: Float64Array, n: number, delta: number): Float64Array {
  const out = Float64Array.from(a);
  for (let i = 0; i < n; i++) out[i * n + i] += delta;
  return out;
}

/** Rows/columns `rows` × `cols` of a row-major n×n matrix. */
export function submatrix(a: Float64Array, n: number, rows: ArrayLike<number>, cols: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * cols.length);
  for (let i = 0; i < rows.length; i++)
    for (let j = 0; j < cols.length; j++) out[i * cols.length + j] = a[rows[i] * n + cols[j]];
  return out;
}

/** AᵀA and Aᵀb for a row-major m×k matrix A. */
export function normalEquations(
  a: Float64Array,
  m: number,
  k: number,
  b: Float64Array,
): { ata: Float64Array; atb: Float64Array } {
  const ata = new Float64Array(k * k);
  const atb = new Float64Array(k);
  for (let r = 0; r < m; r++)
    for (let i = 0; i < k; i++) {
      atb[i] += a[r * k + i] * b[r];
      for (let j = 0; j < k; j++) ata[i * k + j] += a[r * k + i] * a[r * k + j];
    }
  return { ata, atb };
}

/**
 * Cyclic Jacobi eigenvalue algorithm for a symmetric n×n matrix: rotations
 * annihilate off-diagonal entries until they vanish. Returns eigenvalues
 * ascending and the eigenvectors as columns of a row-major matrix.
 */
export function jacobiEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += m[i * n + j] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        // Angle that zeroes m[p][q]: tan(2θ) = 2·apq / (aqq − app).
        const theta = 0.5 * Math.atan2(2 * apq, m[q * n + q] - m[p * n + p]);
        const c = Math.cos(theta);
        const s = Math.sin(theta);
        for (let k = 0; k < n; k++) {
          // columns p, q
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          // rows p, q
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[x * n + x] - m[y * n + y]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/**
 * Moore–Penrose solve A⁺b for symmetric PSD A via its Jacobi eigen-decomposition (eigenvalues ≤ cutoff·max treated as
 * 0).
 */
export function pseudoInverseSolve(a: Float64Array, n: number, b: Float64Array, cutoff = 1e-10): Float64Array {
  const { values, vectors } = jacobiEigen(a, n);
  const top = Math.max(...Array.from(values, Math.abs));
  const x = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    if (Math.abs(values[j]) <= cutoff * top) continue;
    let c = 0;
    for (let k = 0; k < n; k++) c += vectors[k * n + j] * b[k];
    for (let k = 0; k < n; k++) x[k] += (c / values[j]) * vectors[k * n + j];
  }
  return x;
}

/** ‖x − y‖/‖y‖ (‖x‖ when y = 0). */
export function relativeDistance(x: Float64Array, y: Float64Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    d += (x[i] - y[i]) ** 2;
    s += y[i] ** 2;
  }
  return s === 0 ? Math.sqrt(d) : Math.sqrt(d / s);
}

/** ‖b − A·x‖/‖b‖ for the dense n×n matrix A. */
export function relativeResidual(a: Float64Array, n: number, x: Float64Array, b: Float64Array): number {
  const ax = matVec(a, n, x);
  let r = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    r += (b[i] - ax[i]) ** 2;
    bb += b[i] ** 2;
  }
  return Math.sqrt(r / bb);
}
