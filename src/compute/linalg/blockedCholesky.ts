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
import { claimNext, sharedClaims } from '../parallel/claims';
import { subtractProductNT, subtractTile } from './float64Tiles';
import { transpose, useMatMul } from './matmul';
import { localProducts, type ProductJob, type ProductRunner } from './productJobs';

/** Block width of the float64 routine: a 64-wide panel row (512 B) stays in L1 with its tile partners. */
export const BLOCK_64 = 64;
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
  runner: ProductRunner | (ProductRunner & TrailingRunner) = localProducts,
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
  // With a helper thread that can write into `a` (shared memory), it subtracts its own products there: no product is
  // copied out of its backend, sent back and subtracted here after the wait (a third of this thread's time at
  // P = 4000 was that wait and those subtractions).
  const helper = trailingHelper(runner, a);
  const claims = sharedClaims();
  for (let k0 = 0, step = 0; k0 + nb < n; k0 += nb, step++) {
    const kb = nb;
    const r0 = k0 + kb;
    const m = n - r0;
    const { l21, l21T } = panels[step % 2];
    // A22 −= L21·L21ᵀ, lower triangle only, one block column per product: first the next block column, then
    // `chunk`-wide ones. The products are independent: some may go to another thread, and meanwhile this one
    // updates the next block column, factors it and forms its panel (lookahead), then does its share.
    const part = (chunks: number[]): TrailingPart => ({ a, n, r0, kb, l21, l21T, chunks: Int32Array.from(chunks) });
    const next = part([0, Math.min(nb, m)]);
    const laterChunks: number[] = [];
    for (let c0 = Math.min(nb, m); c0 < m; c0 += chunk) laterChunks.push(c0, Math.min(chunk, m - c0));
    const later = part(laterChunks);
    let factored = true;
    const lookahead = () => {
      updateTrailingChunks(next);
      factored = factorBlockColumn(r0, panels[(step + 1) % 2].l21);
    };
    throwIfAborted(signal);
    if (helper) {
      // Both threads take the later chunks from a shared counter, largest first: neither waits for the other
      // longer than one chunk, however the machine's load slows either.
      claims[0] = 0;
      const wait = helper.startTrailingUpdate(later, claims);
      try {
        lookahead();
        updateTrailingChunks(later, claims);
      } catch (error) {
        // The helper may still be writing into `a`: it is not reused.
        helper.abandon();
        throw error;
      }
      wait(signal);
    } else {
      const one = (j: number) => ({ ...later, chunks: later.chunks.subarray(2 * j, 2 * j + 2) });
      const count = laterChunks.length / 2;
      const costs = Array.from({ length: count }, (_, j) => (m - laterChunks[2 * j]) * laterChunks[2 * j + 1]);
      runner.each(
        costs.map((_, j) => chunkJob(one(j))),
        costs,
        (j, product) => subtractChunk(one(j), product),
        signal,
        // The next panel's products and the float64 diagonal work, in the chunks' units (multiply-adds per kb).
        { run: lookahead, cost: m * Math.min(nb, m) + m * kb + 4 * kb * kb },
      );
    }
    if (!factored) return false;
  }
  if (!keepUpper) zeroUpper(a, n);
  return true;
}

/**
 * Some chunks of one step's trailing update A22 −= L21·L21ᵀ (choleskyMixed): the chunk at column offset c0 (from r0)
 * of width cw subtracts the lower triangle of L21[c0:, :]·L21[c0 : c0 + cw, :]ᵀ from A[r0 + c0 :, r0 + c0 : …].
 * `chunks` holds (c0, cw) pairs; `l21T` is where each chunk's right operand is transposed (rows c0 … c0 + cw).
 * Chunks touch disjoint columns of `a`, so two threads may update theirs at once.
 */
export interface TrailingPart {
  a: Float64Array;
  n: number;
  r0: number;
  kb: number;
  /** L21, (n − r0) × kb row-major. */
  l21: Float32Array;
  l21T: Float32Array;
  chunks: Int32Array;
}

/**
 * Runs a trailing update's chunks on another thread (parallel/matrixHelper.ts), which writes into `a` in shared
 * memory with updateTrailingChunks: each chunk's product computed whole by the same code, so the same bytes
 * whichever thread took it.
 */
export interface TrailingRunner {
  readonly parallel: boolean;
  /** Starts updateTrailingChunks(part, claims) there; the returned function waits for it. */
  startTrailingUpdate(part: TrailingPart, claims: Int32Array): (signal?: AbortSignal) => void;
  /** A started part will not be waited for (this thread failed): the other thread is not reused. */
  abandon(): void;
}

function trailingHelper(runner: ProductRunner | (ProductRunner & TrailingRunner), a: Float64Array) {
  return 'startTrailingUpdate' in runner && runner.parallel && a.buffer instanceof SharedArrayBuffer
    ? runner
    : undefined;
}

/** The part's one chunk's operands: L21[c0:, :] and, transposed into l21T, L21[c0 : c0 + cw, :]ᵀ. */
function chunkOperands({ l21, l21T, kb, n, r0, chunks }: TrailingPart) {
  const [c0, cw] = chunks;
  const rows = n - r0 - c0;
  const right = l21T.subarray(c0 * kb, (c0 + cw) * kb);
  transpose(l21.subarray(c0 * kb, (c0 + cw) * kb), cw, kb, right);
  return { left: l21.subarray(c0 * kb, (c0 + rows) * kb), rows, right, cw };
}

/** The part's one chunk as a product job. */
function chunkJob(part: TrailingPart): ProductJob {
  const { left, rows, right, cw } = chunkOperands(part);
  return { a: { data: left, rows, cols: part.kb }, b: { data: right, rows: part.kb, cols: cw } };
}

/** Subtracts the lower triangle of the part's one chunk's product, (n − r0 − c0) × cw, from `a`. */
function subtractChunk({ a, n, r0, chunks }: TrailingPart, product: Float32Array): void {
  const [c0, cw] = chunks;
  const m = n - r0;
  for (let r = 0; r < m - c0; r++) {
    const row = (r0 + c0 + r) * n + r0 + c0;
    const last = Math.min(r, cw - 1);
    const src = r * cw;
    for (let c = 0; c <= last; c++) a[row + c] -= product[src + c];
  }
}

/**
 * Computes the part's chunks on this thread's backend and subtracts them from `a`, in order; with `claims` (shared
 * memory, one counter) only those this thread takes from the counter, another thread taking the others.
 */
export function updateTrailingChunks(part: TrailingPart, claims?: Int32Array): void {
  const count = part.chunks.length / 2;
  for (let k = 0; k < count; k++) {
    const j = claims ? claimNext(claims) : k;
    if (j >= count) return;
    const one = { ...part, chunks: part.chunks.subarray(2 * j, 2 * j + 2) };
    const { left, rows, right, cw } = chunkOperands(one);
    useMatMul(left, rows, part.kb, right, cw, (product) => subtractChunk(one, product));
  }
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
