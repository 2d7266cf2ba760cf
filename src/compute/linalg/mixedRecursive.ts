/**
 * Mixed-precision Cholesky and triangular inverse by recursive halving (issue 18 item 3): the O(n³) work is float32
 * matMuls on the tfjs backend with large operands, the float64 JS part is O(n²·log n) copies and sums plus O(n·b²)
 * for the b×b leaves.
 *
 * Cholesky of A = [A11 ·; A21 A22], halves of about n/2:
 *   L11 = chol(A11) (recursively), L21 = A21·L11⁻ᵀ (a recursive triangular solve: X1 = B1·La⁻ᵀ, B2 −= X1·Lbᵀ,
 *   X2 = B2·Lc⁻ᵀ), A22 −= L21·L21ᵀ (over the lower triangle's rectangles), L22 = chol(A22) (recursively).
 *   Leaves of ≤ b columns are factored and inverted in float64.
 * The block-column (right-looking) routine this replaced made n/256 thin updates of inner size 256 over the whole
 * trailing matrix; here the products are fewer and thicker (more flops per value uploaded, read back and summed).
 *
 * L⁻¹ of L = [L11 0; L21 L22]: X11 = L11⁻¹ and X22 = L22⁻¹ recursively, then X21 = −X22·(L21·X11), two products
 * with one triangular operand each, computed over that operand's lower-triangle rectangles (no work on its zero half
 * beyond the squares on the diagonal).
 *
 * Precision (the same class as the block-column routine): every product's operands are float32 roundings of the
 * float64 values, each product sums in float32 on the backend, its result is added to float64 storage; the trailing
 * matrix, L and L⁻¹ are kept in float64 between products. So the factor is that of a nearby matrix, L̂L̂ᵀ = A + E
 * with |E| of order 2⁻²⁴·|L̂||L̂ᵀ|; how near is measured after the fact (factorChecks.ts, η) and the caller falls
 * back to float64 beyond MIXED_PRECISION.tolerance (fastFactor.ts). A float32 sum's rounding grows with its running
 * partial sums, so the updates (A22 −= L21·L21ᵀ and the panel solve's B2 −= X1·Lbᵀ) are split along their inner
 * dimension into pieces of ≤ 256 summed in float64, as the old routine's were. Unsplit A22 updates (inner size n/2)
 * gave η = 8.3e-5 on the P = 2000 bench Hessian against 4.8e-5 before (tolerance 1e-4); split at 512 6.1e-5, at 256
 * 4.8e-5 (7.5e-5 against 6.9e-5 before on the 1k-MNIST MLP head, P = 1290); at P = 4000 the panel solve's
 * unsplit updates (inner size up to 1024) took η to 9.2e-5. test/unit/linalg/blockedCholesky.test.ts states the
 * bounds the tests hold.
 *
 * Each product is split into jobs fixed by the shapes alone (rectangles of the triangles, inner pieces, row
 * halves), never by the thread count: the runner may spread them over two threads and the bytes stay the same. The
 * AbortSignal is checked at every node of the recursion and before every batch of products.
 */
import { throwIfAborted } from '../cancel';
import { diagonalInverse, diagonalInverseTransposed32, factorDiagonalBlock, zeroUpper } from './diagonalBlocks';
import { localProducts, type ProductJob, type ProductRunner } from './productJobs';

/** Columns of a float64 leaf (factored or inverted in JS: n·b²/3 flops in all, small beside n³/3). */
const LEAF = 128;
/** Smallest square of a triangular product's blocking (its zero half is multiplied only inside these squares). */
const PRODUCT_LEAF = 256;
/** Longest inner dimension of one float32 product: see the file comment. */
const INNER_PIECE = 256;
/** Multiply-adds from which a plain product is split into two row halves (so two threads can share it). */
const ROW_SPLIT_MACS = 1 << 22;

/** Leaf sizes, for tests that exercise every edge of the recursion on small matrices. */
export interface RecursionSizes {
  /** Float64 leaf width. */
  block?: number;
  /** Smallest square of the triangular products' blocking. */
  chunk?: number;
  /** Longest inner dimension of one float32 product (longer sums are split and added in float64). */
  inner?: number;
}

interface Context {
  readonly leaf: number;
  readonly productLeaf: number;
  readonly innerPiece: number;
  readonly runner: ProductRunner;
  readonly signal?: AbortSignal;
  /** The float32 operands of the batch of products being built. */
  readonly operands: Arena;
  /** The float64 sum of L21·X11 in invertRange, reused from node to node (its first touch is the costly part). */
  sums: Float64Array;
  /** Cholesky: each factored leaf's L⁻ᵀ as float32, by its first column. */
  readonly leafInverses: Map<number, Float32Array>;
}

/**
 * Float32 operands of one batch of products in one buffer reused from batch to batch: a fresh large array costs a
 * page fault per 4 KB on its first touch, which on this machine was as slow as the copy into it. A view handed out
 * stays valid when the buffer grows (it keeps the old one); reset() only once the batch's products are done.
 */
class Arena {
  private buffer = new Float32Array(0);
  private used = 0;

  take(size: number): Float32Array {
    if (this.used + size > this.buffer.length) {
      this.buffer = new Float32Array(Math.max(2 * this.buffer.length, size, 1 << 16));
      this.used = 0;
    }
    const view = this.buffer.subarray(this.used, this.used + size);
    this.used += size;
    return view;
  }

  reset(): void {
    this.used = 0;
  }
}

/** A rectangle [row, row + rows) × [col, col + cols) of a blocking. */
interface Rect {
  row: number;
  rows: number;
  col: number;
  cols: number;
}

/**
 * Mixed-precision Cholesky, in place, with the contract of blockedCholesky.ts's routines (lower triangle overwritten
 * by L, strict upper zeroed). Needs an initialised tfjs backend. Returns false when a leaf is not positive definite
 * — which, unlike the float64 routines, can also mean the float32 updates lost the smallest eigenvalues (κ beyond
 * ~1e7): callers retry in float64 before concluding anything about A. With `keepUpper` the strict upper triangle is
 * left as it was (nothing reads or writes it), so one array holds L and A for the factor's check (factorChecks.ts's
 * packedFactorDeviation) without a copy of A.
 */
export function choleskyMixed(
  a: Float64Array,
  n: number,
  signal?: AbortSignal,
  sizes: RecursionSizes = {},
  runner: ProductRunner = localProducts,
  keepUpper = false,
): boolean {
  const ctx = context(sizes, runner, signal);
  if (!factorRange(ctx, a, n, 0, n)) return false;
  if (!keepUpper) zeroUpper(a, n);
  return true;
}

/** L⁻¹ for lower-triangular L (row-major n×n), float64 storage, float32 products. */
export function invertLowerMixed(
  l: Float64Array,
  n: number,
  signal?: AbortSignal,
  sizes: RecursionSizes = {},
  runner: ProductRunner = localProducts,
): Float64Array {
  const x = new Float64Array(n * n);
  const ctx = context(sizes, runner, signal);
  // The largest L21·X11 is the first split's (the recursion reaches it last): one buffer for all.
  if (n > ctx.leaf) ctx.sums = new Float64Array(splitPoint(n, ctx.leaf) * (n - splitPoint(n, ctx.leaf)));
  invertRange(ctx, l, x, n, 0, n);
  return x;
}

function context(sizes: RecursionSizes, runner: ProductRunner, signal: AbortSignal | undefined): Context {
  return {
    leaf: sizes.block ?? LEAF,
    productLeaf: sizes.chunk ?? PRODUCT_LEAF,
    innerPiece: sizes.inner ?? INNER_PIECE,
    runner,
    signal,
    operands: new Arena(),
    sums: new Float64Array(0),
    leafInverses: new Map(),
  };
}

/** Where to halve `size`: a multiple of `leaf`, so every leaf but the last is full. */
function splitPoint(size: number, leaf: number): number {
  return Math.ceil(Math.ceil(size / leaf) / 2) * leaf;
}

/** Factors the diagonal block [k0, k0 + kn)² of a (its trailing updates from the left already applied). */
function factorRange(ctx: Context, a: Float64Array, n: number, k0: number, kn: number): boolean {
  throwIfAborted(ctx.signal);
  if (kn <= ctx.leaf) return factorDiagonalBlock(a, n, k0, kn);
  const h = splitPoint(kn, ctx.leaf);
  if (!factorRange(ctx, a, n, k0, h)) return false;
  const r0 = k0 + h;
  const m = kn - h;
  solvePanel(ctx, a, n, r0, m, k0, h);
  symmetricUpdate(ctx, a, n, r0, m, k0, h);
  return factorRange(ctx, a, n, r0, m);
}

/**
 * X·L11ᵀ = B in place: B = a[r0 : r0+m, c0 : c0+cw], L11 the factored block at (c0, c0). Halving the columns:
 * X1 = B1·La⁻ᵀ, B2 −= X1·Lbᵀ, X2 = B2·Lc⁻ᵀ; a leaf multiplies by its float64 inverse rounded to float32.
 */
function solvePanel(ctx: Context, a: Float64Array, n: number, r0: number, m: number, c0: number, cw: number): void {
  throwIfAborted(ctx.signal);
  if (cw <= ctx.leaf) {
    ctx.operands.reset();
    // A leaf's inverse serves every panel below it (one per level of the recursion): formed once.
    let inverseT = ctx.leafInverses.get(c0);
    if (!inverseT) ctx.leafInverses.set(c0, (inverseT = diagonalInverseTransposed32(a, n, c0, cw)));
    rowProducts(ctx, a, n, r0, m, c0, cw, inverseT, cw, c0, 0);
    return;
  }
  const h = splitPoint(cw, ctx.leaf);
  solvePanel(ctx, a, n, r0, m, c0, h);
  // B2 −= X1·Lbᵀ, its inner dimension in pieces summed in float64 (as the trailing update's: see the file comment).
  for (const [q0, q1] of innerPieces(h, ctx.innerPiece)) {
    ctx.operands.reset();
    const right = block32(ctx.operands, a, n, c0 + h, c0 + q0, cw - h, q1 - q0, true);
    rowProducts(ctx, a, n, r0, m, c0 + q0, q1 - q0, right, cw - h, c0 + h, -1);
  }
  solvePanel(ctx, a, n, r0, m, c0 + h, cw - h);
}

/**
 * a[r0+i, outCol+j] ← (sign = 0) or −= (sign = −1) (a[r0 : r0+m, c0 : c0+k] · right)[i, j], `right` k×cols float32;
 * the rows in two fixed halves when the product is large.
 */
function rowProducts(
  ctx: Context,
  a: Float64Array,
  n: number,
  r0: number,
  m: number,
  c0: number,
  k: number,
  right: Float32Array,
  cols: number,
  outCol: number,
  sign: 0 | -1,
): void {
  const half = m >= 64 && m * k * cols >= ROW_SPLIT_MACS ? Math.ceil(m / 2) : m;
  const ops = ctx.operands;
  const parts: Rect[] = [{ row: 0, rows: half, col: 0, cols }];
  if (half < m) parts.push({ row: half, rows: m - half, col: 0, cols });
  const jobs = parts.map(({ row, rows }) => ({
    a: { data: block32(ops, a, n, r0 + row, c0, rows, k), rows, cols: k },
    b: { data: right, rows: k, cols },
  }));
  const results = run(
    ctx,
    jobs,
    parts.map(({ rows }) => rows * k * cols),
  );
  parts.forEach(({ row, rows }, j) => addBlock(a, n, r0 + row, outCol, rows, cols, results[j], sign, false));
}

/**
 * A22 −= L21·L21ᵀ on the lower triangle of a[r0 : r0+m, r0 : r0+m], L21 = a[r0 : r0+m, c0 : c0+k]: one product per
 * rectangle of the triangle and piece of the inner dimension.
 */
function symmetricUpdate(ctx: Context, a: Float64Array, n: number, r0: number, m: number, c0: number, k: number): void {
  const rects = triangleRects(m, ctx.productLeaf);
  const ops = ctx.operands;
  ops.reset();
  const jobs: ProductJob[] = [];
  const costs: number[] = [];
  const targets: Rect[] = [];
  for (const [q0, q1] of innerPieces(k, ctx.innerPiece)) {
    const kq = q1 - q0;
    // L21's piece and its transpose, each copied once; a rectangle's operands are rows of the one and row
    // segments of the other.
    const piece = block32(ops, a, n, r0, c0 + q0, m, kq);
    const pieceT = block32(ops, a, n, r0, c0 + q0, m, kq, true);
    const rights = new Map<string, Float32Array>();
    for (const rect of rects) {
      const { row, rows, col, cols } = rect;
      let right = rights.get(`${col}:${cols}`);
      if (!right) {
        right = ops.take(kq * cols);
        for (let t = 0; t < kq; t++) right.set(pieceT.subarray(t * m + col, t * m + col + cols), t * cols);
        rights.set(`${col}:${cols}`, right);
      }
      jobs.push({
        a: { data: piece.subarray(row * kq, (row + rows) * kq), rows, cols: kq },
        b: { data: right, rows: kq, cols },
      });
      costs.push(rows * cols * kq);
      targets.push(rect);
    }
  }
  const results = run(ctx, jobs, costs);
  targets.forEach(({ row, rows, col, cols }, j) =>
    addBlock(a, n, r0 + row, r0 + col, rows, cols, results[j], -1, row === col),
  );
}

/** [0, k) in about equal pieces of ≤ `piece`. */
function innerPieces(k: number, piece: number): [number, number][] {
  const count = Math.ceil(k / piece);
  return Array.from({ length: count }, (_, j) => [Math.round((j * k) / count), Math.round(((j + 1) * k) / count)]);
}

/** Writes X = L⁻¹'s diagonal block [k0, k0 + kn)² and the part of X below it within the block. */
function invertRange(ctx: Context, l: Float64Array, x: Float64Array, n: number, k0: number, kn: number): void {
  throwIfAborted(ctx.signal);
  if (kn <= ctx.leaf) {
    const inv = diagonalInverse(l, n, k0, kn);
    for (let i = 0; i < kn; i++) x.set(inv.subarray(i * kn, i * kn + i + 1), (k0 + i) * n + k0);
    return;
  }
  const h = splitPoint(kn, ctx.leaf);
  const m = kn - h;
  invertRange(ctx, l, x, n, k0, h);
  invertRange(ctx, l, x, n, k0 + h, m);
  // T = L21·X11 (m × h), over X11's lower-triangle blocks: T[:, cols] += L21[:, rows]·X11[rows, cols].
  const lower11 = triangleRects(h, ctx.productLeaf);
  const ops = ctx.operands;
  ops.reset();
  if (ctx.sums.length < m * h) ctx.sums = new Float64Array(m * h);
  const t = ctx.sums.subarray(0, m * h).fill(0);
  const forT = run(
    ctx,
    lower11.map(({ row, rows, col, cols }) => ({
      a: { data: block32(ops, l, n, k0 + h, k0 + row, m, rows), rows: m, cols: rows },
      b: { data: block32(ops, x, n, k0 + row, k0 + col, rows, cols), rows, cols },
    })),
    rectCosts(lower11, m),
  );
  lower11.forEach(({ col, cols }, j) => addBlock(t, h, 0, col, m, cols, forT[j], 1, false));
  ops.reset();
  const t32 = ops.take(m * h);
  t32.set(t);
  // X21 = −X22·T, over X22's lower-triangle blocks: X21[rows, :] −= X22[rows, cols]·T[cols, :].
  const lower22 = triangleRects(m, ctx.productLeaf);
  const forX = run(
    ctx,
    lower22.map(({ row, rows, col, cols }) => ({
      a: { data: block32(ops, x, n, k0 + h + row, k0 + h + col, rows, cols), rows, cols },
      b: { data: t32.subarray(col * h, (col + cols) * h), rows: cols, cols: h },
    })),
    rectCosts(lower22, h),
  );
  lower22.forEach(({ row, rows }, j) => addBlock(x, n, k0 + h + row, k0, rows, h, forX[j], -1, false));
}

/**
 * The lower triangle of [0, size)² as rectangles: halving, the lower-left rectangle of each half and, at the
 * bottom, squares of ≤ leaf on the diagonal (only these hold zeros above the diagonal). Largest first.
 */
function triangleRects(size: number, leaf: number): Rect[] {
  const out: Rect[] = [];
  const squares: Rect[] = [];
  const split = (s0: number, sn: number): void => {
    if (sn <= leaf) {
      squares.push({ row: s0, rows: sn, col: s0, cols: sn });
      return;
    }
    const h = splitPoint(sn, leaf);
    out.push({ row: s0 + h, rows: sn - h, col: s0, cols: h });
    split(s0, h);
    split(s0 + h, sn - h);
  };
  split(0, size);
  out.sort((p, q) => q.rows * q.cols - p.rows * p.cols || p.row - q.row || p.col - q.col);
  return [...out, ...squares];
}

function rectCosts(rects: readonly Rect[], inner: number): number[] {
  return rects.map(({ rows, cols }) => rows * cols * inner);
}

function run(ctx: Context, jobs: ProductJob[], costs: number[]): Float32Array[] {
  throwIfAborted(ctx.signal);
  return ctx.runner.run(jobs, costs, ctx.signal);
}

/**
 * The rows×cols block of `a` (row stride n) at (r0, c0) as float32 row-major in `ops`, or its cols × rows transpose
 * (in tiles, so both sides stay in cache).
 */
function block32(
  ops: Arena,
  a: Float64Array,
  n: number,
  r0: number,
  c0: number,
  rows: number,
  cols: number,
  transposed = false,
): Float32Array {
  const out = ops.take(rows * cols);
  if (!transposed) {
    for (let i = 0; i < rows; i++) {
      const src = (r0 + i) * n + c0;
      const dst = i * cols;
      for (let j = 0; j < cols; j++) out[dst + j] = a[src + j];
    }
    return out;
  }
  const tile = 32;
  for (let i0 = 0; i0 < rows; i0 += tile) {
    const iEnd = Math.min(i0 + tile, rows);
    for (let j0 = 0; j0 < cols; j0 += tile) {
      const jEnd = Math.min(j0 + tile, cols);
      for (let i = i0; i < iEnd; i++) {
        const src = (r0 + i) * n + c0;
        for (let j = j0; j < jEnd; j++) out[j * rows + i] = a[src + j];
      }
    }
  }
  return out;
}

/**
 * target[r0+i, c0+j] += sign·p[i, j] (sign = 0: target ← p) for the rows×cols block (row stride `stride`); with
 * `lowerOnly` only j ≤ i (a square on the diagonal: the entries above it are not the caller's).
 */
function addBlock(
  target: Float64Array,
  stride: number,
  r0: number,
  c0: number,
  rows: number,
  cols: number,
  p: Float32Array,
  sign: 1 | 0 | -1,
  lowerOnly: boolean,
): void {
  for (let i = 0; i < rows; i++) {
    const dst = (r0 + i) * stride + c0;
    const src = i * cols;
    const end = lowerOnly ? Math.min(i + 1, cols) : cols;
    if (sign === 0) target.set(p.subarray(src, src + end), dst);
    else if (sign === 1) for (let j = 0; j < end; j++) target[dst + j] += p[src + j];
    else for (let j = 0; j < end; j++) target[dst + j] -= p[src + j];
  }
}
