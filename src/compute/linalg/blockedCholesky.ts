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
 * - choleskyMixed: the same blocking with the panel solve and the trailing update
 *   as float32 matMuls on the tfjs backend (wasm SIMD ~25 GFLOP/s), the diagonal
 *   blocks factored in float64 and the trailing matrix accumulated in float64.
 *   The factor is that of a nearby matrix: L̂L̂ᵀ = A + E with ‖E‖ of float32
 *   rounding size. How near is measured afterwards (factorDeviation) and turned
 *   into a bound on every influence value; callers fall back to float64 when the
 *   bound is not met (headFactor.ts).
 *
 * Both check the AbortSignal once per block column.
 */
import { throwIfAborted } from '../cancel';
import { matMul, transpose, useMatMul } from './matmul';
import { localProducts, type ProductJob, type ProductRunner } from './productJobs';
import { packedLength, packedRowStart, unpackLower } from './packedLower';

/** Block width of the float64 routine: a 64-wide panel row (512 B) stays in L1 with its tile partners. */
const BLOCK_64 = 64;
/**
 * Block width of the mixed routine: wide enough that each matMul is large (the per-call overhead vanishes), narrow
 * enough that the float64 diagonal work stays small.
 */
const BLOCK_MIXED = 256;
/** Trailing-update row chunk of the mixed routine: keeps each product's output ≤ chunk × n floats. */
const CHUNK_MIXED = 384;

/** Block sizes, for tests that exercise every edge of the blocking on small matrices. */
export interface BlockSizes {
  block?: number;
  /** choleskyMixed: trailing-update columns per product. */
  chunk?: number;
}

/**
 * Cholesky of the kb×kb diagonal block at (k0, k0) of a (row stride n), in place. Each entry is the unblocked
 * routine's  (a_ij − Σ_{k0 ≤ k < j} l_ik·l_jk) / l_jj  with its terms subtracted in the same order, so the bits are
 * those of the unblocked loops; but four rows by four columns at a time (choleskyTile), each loaded double feeding
 * four multiply-adds: this float64 work was a quarter of choleskyMixed's time at P = 2000.
 */
function factorDiagonalBlock(a: Float64Array, n: number, k0: number, kb: number): boolean {
  const tile = new Float64Array(16);
  const end = k0 + kb;
  let i0 = k0;
  for (; i0 + 4 <= end; i0 += 4) {
    for (let j0 = k0; j0 < i0; j0 += 4) {
      choleskyTile(a, n, i0, j0, k0, tile);
      // The tile's own columns, left to right: l_ik for j0 ≤ k < j is final when l_ij is formed.
      for (let c = 0; c < 4; c++) {
        const j = j0 + c;
        const rowJ = j * n;
        for (let r = 0; r < 4; r++) {
          const rowI = (i0 + r) * n;
          let sum = tile[r * 4 + c];
          for (let k = j0; k < j; k++) sum -= a[rowI + k] * a[rowJ + k];
          a[rowI + j] = sum / a[rowJ + j];
        }
      }
    }
    choleskyTile(a, n, i0, i0, k0, tile);
    for (let r = 0; r < 4; r++) {
      const i = i0 + r;
      const rowI = i * n;
      for (let c = 0; c <= r; c++) {
        const j = i0 + c;
        const rowJ = j * n;
        let sum = tile[r * 4 + c];
        for (let k = i0; k < j; k++) sum -= a[rowI + k] * a[rowJ + k];
        if (i === j) {
          if (!(sum > 0) || !Number.isFinite(sum)) return false;
          a[rowI + i] = Math.sqrt(sum);
        } else {
          a[rowI + j] = sum / a[rowJ + j];
        }
      }
    }
  }
  // Rows left over by the 4-row groups, unblocked.
  for (let i = i0; i < end; i++) {
    const rowI = i * n;
    for (let j = k0; j <= i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j];
      for (let k = k0; k < j; k++) sum -= a[rowI + k] * a[rowJ + k];
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return false;
        a[rowI + i] = Math.sqrt(sum);
      } else {
        a[rowI + j] = sum / a[rowJ + j];
      }
    }
  }
  return true;
}

/**
 * The diagonal block's tile: out[4r + c] = a[i0+r, j0+c] − Σ_{k0 ≤ k < j0} a[i0+r, k]·a[j0+c, k] (row stride n).
 * On the diagonal (j0 = i0) the entries above it are formed too, unused.
 */
function choleskyTile(a: Float64Array, n: number, i0: number, j0: number, k0: number, out: Float64Array): void {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) out[r * 4 + c] = a[(i0 + r) * n + j0 + c];
  subtractTile(a, i0 * n, n, a, j0 * n, n, 1, k0, j0, out);
}

/**
 * out[4r + c] −= Σ_{kFrom ≤ k < kTo} x[xBase + r·xRow + k]·y[yBase + c·yColumn + k·yStep] for r, c < 4, the terms
 * subtracted one by one in k order (the unblocked loops' exact operations), each loaded double feeding four
 * multiply-adds.
 */
function subtractTile(
  x: Float64Array,
  xBase: number,
  xRow: number,
  y: Float64Array,
  yBase: number,
  yColumn: number,
  yStep: number,
  kFrom: number,
  kTo: number,
  out: Float64Array,
): void {
  const x0r = xBase;
  const x1r = x0r + xRow;
  const x2r = x1r + xRow;
  const x3r = x2r + xRow;
  const y0c = yBase;
  const y1c = y0c + yColumn;
  const y2c = y1c + yColumn;
  const y3c = y2c + yColumn;
  let c00 = out[0],
    c01 = out[1],
    c02 = out[2],
    c03 = out[3];
  let c10 = out[4],
    c11 = out[5],
    c12 = out[6],
    c13 = out[7];
  let c20 = out[8],
    c21 = out[9],
    c22 = out[10],
    c23 = out[11];
  let c30 = out[12],
    c31 = out[13],
    c32 = out[14],
    c33 = out[15];
  for (let k = kFrom; k < kTo; k++) {
    const x0 = x[x0r + k],
      x1 = x[x1r + k],
      x2 = x[x2r + k],
      x3 = x[x3r + k];
    const yk = k * yStep;
    const y0 = y[y0c + yk],
      y1 = y[y1c + yk],
      y2 = y[y2c + yk],
      y3 = y[y3c + yk];
    c00 -= x0 * y0;
    c01 -= x0 * y1;
    c02 -= x0 * y2;
    c03 -= x0 * y3;
    c10 -= x1 * y0;
    c11 -= x1 * y1;
    c12 -= x1 * y2;
    c13 -= x1 * y3;
    c20 -= x2 * y0;
    c21 -= x2 * y1;
    c22 -= x2 * y2;
    c23 -= x2 * y3;
    c30 -= x3 * y0;
    c31 -= x3 * y1;
    c32 -= x3 * y2;
    c33 -= x3 * y3;
  }
  out[0] = c00;
  out[1] = c01;
  out[2] = c02;
  out[3] = c03;
  out[4] = c10;
  out[5] = c11;
  out[6] = c12;
  out[7] = c13;
  out[8] = c20;
  out[9] = c21;
  out[10] = c22;
  out[11] = c23;
  out[12] = c30;
  out[13] = c31;
  out[14] = c32;
  out[15] = c33;
}

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

export function zeroUpper(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
}

/**
 * Inverse of the kb×kb lower-triangular block at (k0, k0) of a (row stride n), float64 kb×kb row-major, into `inv`
 * (its strict upper triangle must be zero). Each entry is the unblocked routine's
 * (−Σ_{j ≤ k < i} l_ik·x_kj)·(1/l_ii)  with its terms subtracted in the same order, so the bits are those of the
 * unblocked loops, but formed four rows by four columns at a time (inverseTile). The tiles also subtract the
 * terms with k < j, whose x_kj are zeros: 0 − (±0) leaves the sum +0, as it started.
 */
export function diagonalInverse(a: Float64Array, n: number, k0: number, kb: number, inv: Float64Array): Float64Array {
  const tile = new Float64Array(16);
  let i0 = 0;
  for (; i0 + 4 <= kb; i0 += 4) {
    for (let j0 = 0; j0 < i0; j0 += 4) {
      inverseTile(a, n, k0, inv, kb, i0, j0, tile);
      // The tile's own rows, top to bottom: x_kj for i0 ≤ k < i is final when x_ij is formed.
      for (let r = 0; r < 4; r++) {
        const i = i0 + r;
        const rowL = (k0 + i) * n + k0;
        const scale = 1 / a[rowL + i];
        for (let c = 0; c < 4; c++) {
          const j = j0 + c;
          let sum = tile[r * 4 + c];
          for (let k = i0; k < i; k++) sum -= a[rowL + k] * inv[k * kb + j];
          inv[i * kb + j] = sum * scale;
        }
      }
    }
    for (let r = 0; r < 4; r++) {
      const i = i0 + r;
      const rowL = (k0 + i) * n + k0;
      const scale = 1 / a[rowL + i];
      for (let j = i0; j < i; j++) {
        let sum = 0;
        for (let k = j; k < i; k++) sum -= a[rowL + k] * inv[k * kb + j];
        inv[i * kb + j] = sum * scale;
      }
      inv[i * kb + i] = scale;
    }
  }
  // Rows left over by the 4-row groups, unblocked.
  for (let i = i0; i < kb; i++) {
    const rowL = (k0 + i) * n + k0;
    for (let k = 0; k < i; k++) {
      const lik = a[rowL + k];
      if (lik === 0) continue;
      for (let j = 0; j <= k; j++) inv[i * kb + j] -= lik * inv[k * kb + j];
    }
    const scale = 1 / a[rowL + i];
    for (let j = 0; j < i; j++) inv[i * kb + j] *= scale;
    inv[i * kb + i] = scale;
  }
  return inv;
}

/**
 * The inverse's tile: out[4r + c] = −Σ_{j0 ≤ k < i0} l[i0+r, k]·x[k, j0+c] for r, c < 4: l the diagonal block at
 * (k0, k0) of a (row stride n), x = inv (row stride kb).
 */
function inverseTile(
  a: Float64Array,
  n: number,
  k0: number,
  inv: Float64Array,
  kb: number,
  i0: number,
  j0: number,
  out: Float64Array,
): void {
  out.fill(0);
  subtractTile(a, (k0 + i0) * n + k0, n, inv, j0, 1, kb, j0, i0, out);
}

/**
 * Mixed-precision blocked Cholesky, in place (see the file comment). Needs an
 * initialised tfjs backend. Returns false when a diagonal block is not
 * positive definite — which, unlike the float64 routines, can also mean the
 * float32 updates lost the smallest eigenvalues (κ beyond ~1e7): callers retry
 * in float64 before concluding anything about A.
 * With `keepUpper` the strict upper triangle is left as it was (nothing reads or writes it), so one array holds L
 * and A for the factor's check (factorChecks.ts's packedFactorDeviation) without a copy of A.
 */
export function choleskyMixed(
  a: Float64Array,
  n: number,
  signal?: AbortSignal,
  sizes: BlockSizes = {},
  runner: ProductRunner = localProducts,
  keepUpper = false,
): boolean {
  const nb = sizes.block ?? BLOCK_MIXED;
  const chunk = sizes.chunk ?? CHUNK_MIXED;
  // Workspaces for every block column: a fresh array costs a page fault per 4 KB here, more than its copies. The
  // panels come in two sets in shared memory, by block column parity: a helper thread reads one set's operands in
  // place while the next panel is formed in the other.
  const most = Math.max(0, n - nb) * nb;
  const shared = () => new Float32Array(new SharedArrayBuffer(most * Float32Array.BYTES_PER_ELEMENT));
  const panels = [0, 1].map(() => ({ l21: shared(), l21T: shared() }));
  const inverse = new Float64Array(nb * nb);
  const panelWork = { a21: new Float32Array(most), left: new Float32Array(most), right: new Float32Array(nb * nb) };
  // Factors the diagonal block at k0 and forms the panel below it (into `a` and l21).
  const factorBlockColumn = (k0: number, l21: Float32Array): boolean => {
    throwIfAborted(signal);
    const kb = Math.min(nb, n - k0);
    if (!factorDiagonalBlock(a, n, k0, kb)) return false;
    if (k0 + kb === n) return true;
    inverse.fill(0);
    diagonalInverse(a, n, k0, kb, inverse);
    panelSolve(a, n, k0, kb, inverse, l21, panelWork);
    return true;
  };
  if (!factorBlockColumn(0, panels[0].l21)) return false;
  for (let k0 = 0, step = 0; k0 + nb < n; k0 += nb, step++) {
    const kb = nb;
    const r0 = k0 + kb;
    const m = n - r0;
    const { l21, l21T } = panels[step % 2];
    // A22 −= L21·L21ᵀ, lower triangle only, one block column per product: first the next block column, then
    // `chunk`-wide ones. The products are independent: the runner may give some to another thread, and meanwhile
    // this one updates the next block column, factors it and forms its panel (lookahead), then does its share.
    const starts = [0];
    for (let c0 = Math.min(nb, m); c0 < m; c0 += chunk) starts.push(c0);
    const width = (j: number) => (j + 1 < starts.length ? starts[j + 1] : m) - starts[j];
    const jobs: ProductJob[] = [];
    const costs: number[] = [];
    starts.forEach((c0, j) => {
      const cw = width(j);
      const right = l21T.subarray(c0 * kb, (c0 + cw) * kb);
      transpose(l21.subarray(c0 * kb, (c0 + cw) * kb), cw, kb, right);
      jobs.push({
        a: { data: l21.subarray(c0 * kb, m * kb), rows: m - c0, cols: kb },
        b: { data: right, rows: kb, cols: cw },
      });
      costs.push((m - c0) * cw);
    });
    const subtract = (j: number, product: Float32Array) => {
      const c0 = starts[j];
      const cw = width(j);
      for (let r = 0; r < m - c0; r++) {
        const row = (r0 + c0 + r) * n + r0 + c0;
        const last = Math.min(r, cw - 1);
        const src = r * cw;
        for (let c = 0; c <= last; c++) a[row + c] -= product[src + c];
      }
    };
    let factored = true;
    const lookahead = {
      run: () => {
        const { a: left, b: right } = jobs[0] as { a: { data: Float32Array }; b: { data: Float32Array } };
        useMatMul(left.data, m, kb, right.data, width(0), (product) => subtract(0, product));
        factored = factorBlockColumn(r0, panels[(step + 1) % 2].l21);
      },
      // The next panel's products and the float64 diagonal work, in the jobs' units (multiply-adds per kb).
      cost: costs[0] + m * kb + 4 * kb * kb,
    };
    throwIfAborted(signal);
    runner.each(jobs.slice(1), costs.slice(1), (j, product) => subtract(j + 1, product), signal, lookahead);
    if (!factored) return false;
  }
  if (!keepUpper) zeroUpper(a, n);
  return true;
}

/**
 * Column blocks of the panel product L21 = A21·L11⁻ᵀ. L11⁻ᵀ is upper triangular, so block J needs only A21's
 * columns up to J's last: b blocks cost (b + 1)/(2b) of the whole product (b = 4: 62.5%). The terms left out are
 * zeros at the end of each sum, so the values are the whole product's bits.
 */
const PANEL_BLOCKS = 4;

/**
 * L21 = A21·L11⁻ᵀ for the panel below the diagonal block at (k0, k0) of a (row stride n), as float32 products:
 * written into `a` and, row-major m × kb, into `l21`. `inverse` holds L11⁻¹ (kb × kb); `a21` and `left` are
 * workspaces of at least m·kb floats, `right` of kb².
 */
function panelSolve(
  a: Float64Array,
  n: number,
  k0: number,
  kb: number,
  inverse: Float64Array,
  l21: Float32Array,
  work: { a21: Float32Array; left: Float32Array; right: Float32Array },
): void {
  const { a21, left, right } = work;
  const r0 = k0 + kb;
  const m = n - r0;
  for (let r = 0; r < m; r++) {
    const row = (r0 + r) * n + k0;
    for (let l = 0; l < kb; l++) a21[r * kb + l] = a[row + l];
  }
  const width = Math.ceil(kb / PANEL_BLOCKS);
  for (let j0 = 0; j0 < kb; j0 += width) {
    const j1 = Math.min(kb, j0 + width);
    const w = j1 - j0;
    // A21[:, 0:j1] (m × j1) and L11⁻ᵀ[0:j1, j0:j1] (j1 × w), row-major.
    for (let r = 0; r < m; r++) left.set(a21.subarray(r * kb, r * kb + j1), r * j1);
    for (let k = 0; k < j1; k++) for (let c = 0; c < w; c++) right[k * w + c] = inverse[(j0 + c) * kb + k];
    useMatMul(left.subarray(0, m * j1), m, j1, right.subarray(0, j1 * w), w, (product) => {
      for (let r = 0; r < m; r++) {
        const row = (r0 + r) * n + k0 + j0;
        const out = r * kb + j0;
        for (let c = 0; c < w; c++) {
          const v = product[r * w + c];
          l21[out + c] = v;
          a[row + c] = v;
        }
      }
    });
  }
}

/** Block width of the triangular inverses (the row-by-row diagonal part costs n²·kb/4 in float64 JS). */
const BLOCK_INVERSE = 128;

/**
 * L⁻¹ for lower-triangular L (row-major), right-looking by block rows:
 * X_k = L_kk⁻¹·R_k, then R_i −= L_ik·X_k for the rows below, where R starts
 * as the identity. When `mixed` both are float32 matMuls (L_kk⁻¹ formed in
 * float64: invertLowerPacked, unpacked here); else X_k by float64 forward substitution and the update — nearly
 * all of the O(n³) work — as 4×4 float64 register tiles. The right-hand sides
 * R are accumulated in float64 either way.
 */
export function invertLowerBlocked(
  l: Float64Array,
  n: number,
  mixed: boolean,
  signal?: AbortSignal,
  sizes: BlockSizes = {},
  runner: ProductRunner = localProducts,
): Float64Array {
  if (mixed) return unpackLower(invertLowerPacked(l, n, signal, sizes, runner), n);
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

/**
 * The mixed-precision L⁻¹ (see invertLowerBlocked) as float32, packed by rows (packedLower.ts): what the whitening of
 * exact influence reads. The rows still to be solved are accumulated in float64, packed too, so the routine holds
 * P²/2 doubles and returns P²/2 floats where the square form held P² doubles and then P² floats (at P = 7850:
 * 246 + 123 MB instead of 493 + 246 MB). The same values: every finished row of X_k is a float32 product already.
 */
export function invertLowerPacked(
  l: Float64Array,
  n: number,
  signal?: AbortSignal,
  sizes: BlockSizes = {},
  runner: ProductRunner = localProducts,
): Float32Array {
  const nb = sizes.block ?? BLOCK_INVERSE;
  const x = new Float64Array(packedLength(n));
  // diagonalInverse's output (its strict upper triangle must start at zero), reused by every block row.
  const inverse = new Float64Array(nb * nb);
  for (let i = 0; i < n; i++) x[packedRowStart(i) + i] = 1;
  for (let k0 = 0; k0 < n; k0 += nb) {
    throwIfAborted(signal);
    const kb = Math.min(nb, n - k0);
    const width = k0 + kb; // columns of X_k that can be non-zero
    // X_k = L_kk⁻¹ R_k as one float32 product with L_kk⁻¹ (formed in float64) — X_k is rounded to float32 for the
    // updates below and for the whitening anyway, and this is the same rounding class as those updates (in float64
    // it was half of the routine's time at P = 5000: n²·kb/4 multiply-adds in JS). Row k0 + r of R_k is zero right
    // of its diagonal (no earlier update reached column k0), so only columns 0..k0 + r are read and written.
    const rk = new Float32Array(kb * width);
    for (let r = 0; r < kb; r++) {
      const row = packedRowStart(k0 + r);
      for (let j = 0; j <= k0 + r; j++) rk[r * width + j] = x[row + j];
    }
    inverse.fill(0);
    const xk = matMul(
      Float32Array.from(diagonalInverse(l, n, k0, kb, inverse).subarray(0, kb * kb)),
      kb,
      kb,
      rk,
      width,
    );
    for (let r = 0; r < kb; r++) {
      const row = packedRowStart(k0 + r);
      for (let j = 0; j <= k0 + r; j++) x[row + j] = xk[r * width + j];
    }
    const r0 = k0 + kb;
    const m = n - r0;
    if (m === 0) break;
    const panel = new Float32Array(m * kb);
    for (let r = 0; r < m; r++) for (let s = 0; s < kb; s++) panel[r * kb + s] = l[(r0 + r) * n + k0 + s];
    // Two products over the panel's two halves of rows, always (the runner may give them to two threads).
    const half = Math.ceil(m / 2);
    const right = { data: xk, rows: kb, cols: width };
    const halves = runner.run(
      [
        { a: { data: panel.subarray(0, half * kb), rows: half, cols: kb }, b: right },
        { a: { data: panel.slice(half * kb), rows: m - half, cols: kb }, b: right },
      ],
      [half, m - half],
      signal,
    );
    // Rows below have width ≤ r0 columns to update, all left of their diagonal.
    for (let r = 0; r < m; r++) {
      const row = packedRowStart(r0 + r);
      const update = halves[r < half ? 0 : 1];
      const src = (r < half ? r : r - half) * width;
      for (let j = 0; j < width; j++) x[row + j] -= update[src + j];
    }
  }
  return Float32Array.from(x);
}
