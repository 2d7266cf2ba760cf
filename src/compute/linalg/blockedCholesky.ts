/**
 * Blocked Cholesky factorisations for large heads (issue 18 item 1).
 *
 * The unblocked float64 routine in cholesky.ts runs at ~1 GFLOP/s: every
 * multiply-add loads two doubles. Two faster forms, same contract (row-major
 * n×n, lower triangle overwritten by L, strict upper zeroed, false when not
 * positive definite):
 *
 * - choleskyBlocked64: right-looking blocked, the trailing update A22 −= L21·L21ᵀ
 *   (nearly all the O(n³) work) as 4×4 register tiles over a packed panel, so each
 *   loaded double feeds four multiply-adds. Pure float64: same rounding class as
 *   the unblocked routine (results equal to ~1e-15 relative).
 *
 * - choleskyMixed: recursive halving with the panel solves and the trailing updates
 *   as large float32 matMuls on the tfjs backend, float64 leaves and float64
 *   storage of everything between products (mixedRecursive.ts).
 *   The factor is that of a nearby matrix: L̂L̂ᵀ = A + E with ‖E‖ of float32
 *   rounding size. How near is measured afterwards (factorDeviation) and turned
 *   into a bound on every influence value; callers fall back to float64 when the
 *   bound is not met (headFactor.ts).
 *
 * All check the AbortSignal once per block (the mixed ones at every node of their recursion).
 */
import { throwIfAborted } from '../cancel';
import { factorDiagonalBlock, zeroUpper } from './diagonalBlocks';
import { invertLowerMixed, type RecursionSizes } from './mixedRecursive';
import { localProducts, type ProductRunner } from './productJobs';

export { zeroUpper } from './diagonalBlocks';
export { choleskyMixed } from './mixedRecursive';

/** Block width of the float64 routine: a 64-wide panel row (512 B) stays in L1 with its tile partners. */
const BLOCK_64 = 64;
/**
 * Block sizes, for tests that exercise every edge of the blocking on small matrices: `block` is the float64 block
 * (the mixed routines' leaf); `chunk` and `inner` apply to the mixed routines only (mixedRecursive.ts).
 */
export type BlockSizes = RecursionSizes;

/**
 * Float64 blocked Cholesky, in place. Returns false when A is not numerically
 * positive definite (then `a` is partly overwritten, as with choleskyInPlace).
 */
export function choleskyBlocked64(a: Float64Array, n: number, signal?: AbortSignal, sizes: BlockSizes = {}): boolean {
  const nb = sizes.block ?? BLOCK_64;
  const panel = new Float64Array(n * nb);
  for (let k0 = 0; k0 < n; k0 += nb) {
    throwIfAborted(signal);
    const kb = Math.min(nb, n - k0);
    if (!factorDiagonalBlock(a, n, k0, kb)) return false;
    const r0 = k0 + kb;
    const m = n - r0;
    if (m === 0) break;
    // Panel solve L21 = A21·L11⁻ᵀ, row by row (forward substitution on a row), packed contiguously (stride kb).
    for (let r = 0; r < m; r++) {
      const rowA = (r0 + r) * n + k0;
      const rowP = r * kb;
      for (let j = 0; j < kb; j++) {
        const rowL = (k0 + j) * n + k0;
        let sum = a[rowA + j];
        for (let l = 0; l < j; l++) sum -= panel[rowP + l] * a[rowL + l];
        const v = sum / a[rowL + j];
        panel[rowP + j] = v;
        a[rowA + j] = v;
      }
    }
    trailingUpdate64(a, n, r0, m, panel, kb);
  }
  zeroUpper(a, n);
  return true;
}

/** A[r0+i, r0+j] −= Σ_l P[i,l]·P[j,l] for j ≤ i: the symmetric trailing update. */
function trailingUpdate64(a: Float64Array, n: number, r0: number, m: number, p: Float64Array, kb: number): void {
  subtractProductNT(a, n, r0, r0, p, m, p, m, kb, true);
}

/**
 * C[rowOff+i, colOff+j] −= Σ_l P[i,l]·Q[j,l] for i < pm, j < qm (j ≤ i when `lower`),
 * C row-major with stride n, P and Q packed with stride kb. 4×4 register tiles: each
 * loaded double feeds four multiply-adds (the unblocked loops load two per one).
 */
export function subtractProductNT(
  c: Float64Array,
  n: number,
  rowOff: number,
  colOff: number,
  p: Float64Array,
  pm: number,
  q: Float64Array,
  qm: number,
  kb: number,
  lower: boolean,
): void {
  const pm4 = pm - (pm % 4);
  const qm4 = qm - (qm % 4);
  for (let i = 0; i < pm4; i += 4) {
    const pi0 = i * kb;
    const pi1 = pi0 + kb;
    const pi2 = pi1 + kb;
    const pi3 = pi2 + kb;
    const jEnd = lower ? Math.min(i + 4, qm4) : qm4;
    for (let j = 0; j < jEnd; j += 4) {
      const pj0 = j * kb;
      const pj1 = pj0 + kb;
      const pj2 = pj1 + kb;
      const pj3 = pj2 + kb;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let l = 0; l < kb; l++) {
        const a0 = p[pi0 + l],
          a1 = p[pi1 + l],
          a2 = p[pi2 + l],
          a3 = p[pi3 + l];
        const b0 = q[pj0 + l],
          b1 = q[pj1 + l],
          b2 = q[pj2 + l],
          b3 = q[pj3 + l];
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }
      const g0 = (rowOff + i) * n + colOff + j;
      const g1 = g0 + n;
      const g2 = g1 + n;
      const g3 = g2 + n;
      // In a lower update the diagonal tile's entries above the diagonal are written too; callers ignore or zero them.
      c[g0] -= c00;
      c[g0 + 1] -= c01;
      c[g0 + 2] -= c02;
      c[g0 + 3] -= c03;
      c[g1] -= c10;
      c[g1 + 1] -= c11;
      c[g1 + 2] -= c12;
      c[g1 + 3] -= c13;
      c[g2] -= c20;
      c[g2 + 1] -= c21;
      c[g2 + 2] -= c22;
      c[g2 + 3] -= c23;
      c[g3] -= c30;
      c[g3 + 1] -= c31;
      c[g3 + 2] -= c32;
      c[g3 + 3] -= c33;
    }
    // Columns left over by the 4-wide tiles (j from qm4), scalar.
    for (let r = i; r < i + 4; r++) {
      const jLast = lower ? Math.min(r, qm - 1) : qm - 1;
      for (let j = Math.max(qm4, lower ? jEnd : qm4); j <= jLast; j++)
        scalarEntry(c, n, rowOff, colOff, p, q, kb, r, j);
    }
  }
  // Rows left over (from pm4), scalar.
  for (let i = pm4; i < pm; i++) {
    const jLast = lower ? Math.min(i, qm - 1) : qm - 1;
    for (let j = 0; j <= jLast; j++) scalarEntry(c, n, rowOff, colOff, p, q, kb, i, j);
  }
}

function scalarEntry(
  c: Float64Array,
  n: number,
  rowOff: number,
  colOff: number,
  p: Float64Array,
  q: Float64Array,
  kb: number,
  i: number,
  j: number,
): void {
  let s = 0;
  const pi = i * kb;
  const qj = j * kb;
  for (let l = 0; l < kb; l++) s += p[pi + l] * q[qj + l];
  c[(rowOff + i) * n + colOff + j] -= s;
}

/**
 * L⁻¹ for lower-triangular L (row-major). When `mixed`, by recursive halving with float32 matMuls
 * (mixedRecursive.ts: X21 = −X22·L21·X11); else right-looking by block rows in float64: X_k = L_kk⁻¹·R_k by
 * forward substitution, then R_i −= L_ik·X_k for the rows below as 4×4 float64 register tiles (nearly all of the
 * O(n³) work), where R starts as the identity.
 */
export function invertLowerBlocked(
  l: Float64Array,
  n: number,
  mixed: boolean,
  signal?: AbortSignal,
  sizes: BlockSizes = {},
  runner: ProductRunner = localProducts,
): Float64Array {
  if (mixed) return invertLowerMixed(l, n, signal, sizes, runner);
  const nb = sizes.block ?? BLOCK_64;
  const x = new Float64Array(n * n);
  for (let i = 0; i < n; i++) x[i * n + i] = 1;
  for (let k0 = 0; k0 < n; k0 += nb) {
    throwIfAborted(signal);
    const kb = Math.min(nb, n - k0);
    const width = k0 + kb; // columns of X_k that can be non-zero
    // X_k = L_kk⁻¹ R_k by forward substitution over whole rows (contiguous axpys).
    for (let r = 0; r < kb; r++) {
      const rowX = (k0 + r) * n;
      const rowL = (k0 + r) * n + k0;
      for (let s = 0; s < r; s++) {
        const lrs = l[rowL + s];
        if (lrs === 0) continue;
        const rowS = (k0 + s) * n;
        for (let j = 0; j < width; j++) x[rowX + j] -= lrs * x[rowS + j];
      }
      const scale = 1 / l[rowL + r];
      for (let j = 0; j < width; j++) x[rowX + j] *= scale;
    }
    const r0 = k0 + kb;
    const m = n - r0;
    if (m === 0) break;
    const panel = new Float64Array(m * kb);
    for (let r = 0; r < m; r++) for (let s = 0; s < kb; s++) panel[r * kb + s] = l[(r0 + r) * n + k0 + s];
    // X_kᵀ packed: row j holds column j of X_k.
    const xkT = new Float64Array(width * kb);
    for (let r = 0; r < kb; r++) for (let j = 0; j < width; j++) xkT[j * kb + r] = x[(k0 + r) * n + j];
    subtractProductNT(x, n, r0, 0, panel, m, xkT, width, kb, false);
  }
  return x;
}
