/**
 * Inverses of a lower-triangular factor (issue 18 item 1), blocked like the factorisations in blockedCholesky.ts
 * whose diagonal-block inverse and float64 register tiles they share: float64 throughout, or mixed precision (float32
 * matMuls, right-hand sides accumulated in float64) packed by rows, which is what exact influence whitens with.
 * Both check the AbortSignal once per block row.
 */
import { throwIfAborted } from '../cancel';
import { BLOCK_64, type BlockSizes, diagonalInverse } from './blockedCholesky';
import { subtractProductNT } from './float64Tiles';
import { useMatMul } from './matmul';
import { packedLength, packedRowStart, unpackLower } from './packedLower';
import { localProducts, type ProductRunner } from './productJobs';

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
  // Workspaces for every block row: a fresh array costs a page fault per 4 KB here (matmul.ts), and so did each
  // update's copy out of the backend, which `each` hands over as a view instead.
  const inverse32 = new Float32Array(nb * nb);
  const rkWork = new Float32Array(nb * n);
  const xkWork = new Float32Array(nb * n);
  const panel = new Float32Array(Math.max(0, n - nb) * nb);
  const out = new Float32Array(packedLength(n));
  for (let i = 0; i < n; i++) x[packedRowStart(i) + i] = 1;
  for (let k0 = 0; k0 < n; k0 += nb) {
    throwIfAborted(signal);
    const kb = Math.min(nb, n - k0);
    const width = k0 + kb; // columns of X_k that can be non-zero
    // X_k = L_kk⁻¹ R_k as one float32 product with L_kk⁻¹ (formed in float64) — X_k is rounded to float32 for the
    // updates below and for the whitening anyway, and this is the same rounding class as those updates (in float64
    // it was half of the routine's time at P = 5000: n²·kb/4 multiply-adds in JS). Row k0 + r of R_k is zero right
    // of its diagonal (no earlier update reached column k0), so only columns 0..k0 + r are read and written.
    const rk = rkWork.subarray(0, kb * width);
    for (let r = 0; r < kb; r++) {
      const row = packedRowStart(k0 + r);
      for (let j = 0; j <= k0 + r; j++) rk[r * width + j] = x[row + j];
      rk.fill(0, r * width + k0 + r + 1, (r + 1) * width);
    }
    inverse.fill(0);
    const inv = inverse32.subarray(0, kb * kb);
    inv.set(diagonalInverse(l, n, k0, kb, inverse).subarray(0, kb * kb));
    const xk = xkWork.subarray(0, kb * width);
    useMatMul(inv, kb, kb, rk, width, (product) => xk.set(product));
    // These rows are final (float32 products): into the result, where the float64 accumulators were copied from at
    // the end (50 ms of 8 MB fresh pages and conversions at P = 2000).
    for (let r = 0; r < kb; r++) {
      const row = packedRowStart(k0 + r);
      out.set(xk.subarray(r * width, r * width + k0 + r + 1), row);
    }
    const r0 = k0 + kb;
    const m = n - r0;
    if (m === 0) break;
    for (let r = 0; r < m; r++) for (let s = 0; s < kb; s++) panel[r * kb + s] = l[(r0 + r) * n + k0 + s];
    // Two products over the panel's two halves of rows, always (the runner may give them to two threads); each
    // subtracted as it comes. Rows below have width ≤ r0 columns to update, all left of their diagonal.
    const half = Math.ceil(m / 2);
    const right = { data: xk, rows: kb, cols: width };
    runner.each(
      [
        { a: { data: panel.subarray(0, half * kb), rows: half, cols: kb }, b: right },
        { a: { data: panel.subarray(half * kb, m * kb), rows: m - half, cols: kb }, b: right },
      ],
      [half, m - half],
      (part, update) => {
        const first = part === 0 ? 0 : half;
        const rows = part === 0 ? half : m - half;
        for (let r = 0; r < rows; r++) {
          const row = packedRowStart(r0 + first + r);
          const src = r * width;
          for (let j = 0; j < width; j++) x[row + j] -= update[src + j];
        }
      },
      signal,
    );
  }
  return out;
}
