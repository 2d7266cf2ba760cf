/**
 * The exact part of knn.ts: the k nearest of some reference points for some queries, by blocked float32 products on
 * the tfjs backend (‖q − x‖² = ‖q‖² + ‖x‖² − 2·q·x, the norms and the sum in float64) and a threshold-filtered top-k.
 *
 * What it costs, and why it is shaped so (26 classes × 16k samples, 128 features: the three feature-space searches
 * took 10–16 CPU s of the issues stage's 14–21, now 3.4):
 * - the products are tiles of TILE_ENTRIES (256 KB). A whole row block against all references (64 MB) cost more to
 *   read back than to multiply: every read-back is a fresh buffer, its pages faulted in, then scanned out of cache.
 *   The references go to the backend once per search;
 * - the scan compares each squared distance with a bound from the current k-th (with a margin, so nothing the k-th
 *   could lose to is skipped) and takes the square root and the insertion only for the few that pass;
 * - the points among themselves (searchSelf) take each product once for both of its points; the columns' half is
 *   read row by row (scanColumns), not down the columns (an entry a row apart, each a cache miss);
 * - the products are scanned where the backend left them (useAndDispose), not copied out: the copies and their
 *   garbage cost more than the scan. With the row-by-row columns: 23% less CPU for the 26-class self search, 36%
 *   less for its test-in-train search.
 * Every query is still offered its references in increasing reference order and by the same float64 expression, so
 * the neighbours and distances are the very ones the one-block-per-row search found (test/unit/issues/knn.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../cancel';
import { transposeRows, useAndDispose } from '../linalg/matmul';
import { filledTensor } from '../tf/filledTensor';
import type { Neighbours, Points } from './types';

/** References per product tile. */
const TILE_REFS = 1024;
/** Float32 entries of one product tile (256 KB): read back and scanned in cache (measured best of 2¹²–2²²). */
const TILE_ENTRIES = 2 ** 16;
/** Rows (and columns) of one square tile of searchSelf. */
const SELF_TILE = 256;
/** Per-column bounds of scanColumns, reused (its tiles are searchSelf's). */
const columnBounds = new Float64Array(SELF_TILE);
/** Query rows per block, at most (small reference sets). */
const MAX_BLOCK = 1024;
/**
 * Relative margin of the squared bound: sqrt(d²) ≥ D once d² > D²·(1 + margin), whatever the roundings of D² and of
 * the square root (each ≤ 2⁻⁵³ relative), so a candidate over the bound could never have entered the k.
 */
const BOUND_MARGIN = 1e-14;

/** The squared norm of each point, or of each point ids[r]. */
function squaredNorms(p: Points, ids?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ids ? ids.length : p.n);
  for (let r = 0; r < out.length; r++) {
    const i = ids ? ids[r] : r;
    let s = 0;
    for (let j = i * p.d; j < (i + 1) * p.d; j++) s += p.x[j] * p.x[j];
    out[r] = s;
  }
  return out;
}

/**
 * Points ids[start], …, ids[start + size − 1] (points start, … without ids) as rows (size × d) or, `transposed`, as
 * the d × size transpose, written where the backend keeps them (tf/filledTensor.ts). The searches hold no JS copy of
 * their points: each thread made a transposed one of every reference set, and searchExact gathered its references
 * and every query block first (a 240 MB CSV of 20,000 columns: 134 MB for each copy of its training rows).
 */
function pointsTensor(p: Points, start: number, size: number, transposed: boolean, ids?: ArrayLike<number>) {
  const { x, d } = p;
  const row = ids ? (r: number) => ids[start + r] : (r: number) => start + r;
  if (transposed) return filledTensor<tf.Rank.R2>([d, size], (out) => transposeRows(x, d, size, row, out));
  return filledTensor<tf.Rank.R2>([size, d], (out) => {
    for (let r = 0; r < size; r++) out.set(x.subarray(row(r) * d, (row(r) + 1) * d), r * d);
  });
}

/**
 * Keeps the k smallest (distance, index) of query q by insertion (k is small); true when it entered. Among equal
 * distances the reference offered first stays first (references are offered in increasing order).
 */
function offer(out: Neighbours, q: number, index: number, d2: number): boolean {
  const k = out.k;
  const base = q * k;
  const dist = Math.sqrt(Math.max(d2, 0));
  if (!(dist < out.distance[base + k - 1])) return false;
  // The same reference can be offered twice by overlapping windows (knn.ts).
  for (let j = 0; j < k; j++) if (out.index[base + j] === index) return false;
  let j = k - 1;
  while (j > 0 && out.distance[base + j - 1] > dist) {
    out.distance[base + j] = out.distance[base + j - 1];
    out.index[base + j] = out.index[base + j - 1];
    j--;
  }
  out.distance[base + j] = dist;
  out.index[base + j] = index;
  return true;
}

/** The squared distance beyond which a candidate cannot enter a list whose k-th distance is `kth`. */
function squaredBound(kth: number): number {
  return kth * kth * (1 + BOUND_MARGIN);
}

/** The queries of a tile's lines (queryIds[l], squared norm qNorms[l]) and its references refIds[refStart + e]. */
interface TileQueries {
  queryIds: ArrayLike<number>;
  qNorms: Float64Array;
  refStart: number;
  refNorms: Float64Array;
  refIds: ArrayLike<number>;
  out: Neighbours;
}

/**
 * Offers each row of a tile of products (query l × reference e, row l's entries at l·width + e) to the row's query,
 * references in order. Most squared distances fail the bound of their row at one comparison; the few that pass take
 * the square root and the insertion.
 */
function scanRows(dots: Float32Array, lines: number, width: number, tile: TileQueries, skipSelf: boolean): void {
  const { queryIds, qNorms, refStart, refNorms, refIds, out } = tile;
  const k = out.k;
  const distance = out.distance;
  for (let l = 0; l < lines; l++) {
    const qi = queryIds[l];
    const qNorm = qNorms[l];
    const last = qi * k + k - 1;
    let bound = squaredBound(distance[last]);
    for (let e = 0, at = l * width; e < width; e++, at++) {
      const d2 = qNorm + refNorms[refStart + e] - 2 * dots[at];
      if (!(d2 <= bound)) continue;
      const ri = refIds[refStart + e];
      if (skipSelf && ri === qi) continue;
      if (offer(out, qi, ri, d2)) bound = squaredBound(distance[last]);
    }
  }
}

/**
 * scanRows for the columns of a tile: column l (of `width`) is query l, offered the references of the tile's rows
 * e = 0..rows−1 in order. The tile is read row by row (a column's entries lie a row apart, and read so each took a
 * cache miss), so every column keeps its bound meanwhile; each query is still offered its references in increasing
 * order, with the same squared distance, so its list is the same.
 */
function scanColumns(dots: Float32Array, rows: number, width: number, tile: TileQueries): void {
  const { queryIds, qNorms, refStart, refNorms, refIds, out } = tile;
  const k = out.k;
  const distance = out.distance;
  const bounds = columnBounds;
  for (let l = 0; l < width; l++) bounds[l] = squaredBound(distance[queryIds[l] * k + k - 1]);
  for (let e = 0, at = 0; e < rows; e++) {
    const refNorm = refNorms[refStart + e];
    for (let l = 0; l < width; l++, at++) {
      const d2 = qNorms[l] + refNorm - 2 * dots[at];
      if (!(d2 <= bounds[l])) continue;
      const qi = queryIds[l];
      if (offer(out, qi, refIds[refStart + e], d2)) bounds[l] = squaredBound(distance[qi * k + k - 1]);
    }
  }
}

/**
 * Queries per product block of searchExact against `refCount` references: a split of the queries at a multiple of it
 * (splitSearch.ts) leaves every block, so every product, as it was.
 */
export function exactQueryBlock(refCount: number): number {
  const tileRefs = Math.max(1, Math.min(TILE_REFS, refCount));
  return Math.max(16, Math.min(MAX_BLOCK, Math.floor(TILE_ENTRIES / tileRefs)));
}

/**
 * Hands this thread the index of the next block to search, one call per block, increasing; an index past the last
 * block: none left. splitSearch.ts's claims share the blocks between two threads.
 */
export type NextBlock = () => number;

/** Every block, in order. */
function allBlocks(): NextBlock {
  let next = 0;
  return () => next++;
}

/**
 * Offers every query (by id) all references (by id) into `out`. `skipSelf`: queries and references are the same
 * points, and a query is not offered itself. `nextBlock`: only the query blocks it hands out (blocks of
 * exactQueryBlock queries, in queryIds order).
 */
export function searchExact(
  queries: Points,
  queryIds: ArrayLike<number>,
  refs: Points,
  refIds: ArrayLike<number>,
  out: Neighbours,
  skipSelf: boolean,
  signal?: AbortSignal,
  nextBlock: NextBlock = allBlocks(),
): void {
  const refCount = refIds.length;
  const refNorms = squaredNorms(refs, refIds);
  const tileRefs = Math.max(1, Math.min(TILE_REFS, refCount));
  const block = exactQueryBlock(refCount);
  const tiles: { start: number; size: number; refT: tf.Tensor2D }[] = [];
  try {
    for (let start = 0; start < refCount; start += tileRefs) {
      const size = Math.min(tileRefs, refCount - start);
      tiles.push({ start, size, refT: pointsTensor(refs, start, size, true, refIds) });
    }
    for (let s = nextBlock() * block; s < queryIds.length; s = nextBlock() * block) {
      const ids = Int32Array.from({ length: Math.min(block, queryIds.length - s) }, (_, r) => queryIds[s + r]);
      const qNorms = squaredNorms(queries, ids);
      const lines = { queryIds: ids, qNorms, refNorms, refIds, out };
      const qTensor = pointsTensor(queries, 0, ids.length, false, ids);
      try {
        for (const tile of tiles) {
          throwIfAborted(signal);
          useAndDispose(
            tf.tidy(() => tf.matMul(qTensor, tile.refT)),
            (dots) => scanRows(dots, ids.length, tile.size, { ...lines, refStart: tile.start }, skipSelf),
          );
        }
      } finally {
        qTensor.dispose();
      }
    }
  } finally {
    for (const tile of tiles) tile.refT.dispose();
  }
}

/** How many row blocks searchSelf takes n points in. */
export function selfBlockCount(n: number): number {
  return Math.ceil(n / SELF_TILE);
}

/**
 * The k nearest of every point among the others (searchExact of all points against themselves, self skipped) at
 * half the products: q·x = x·q, so the tile of blocks (I, J), J > I, answers both I's rows and J's columns. Each
 * point is still offered the others in increasing order: first the blocks before its own, from the columns of the
 * earlier rows' tiles (row blocks go in order), then its own and the later ones from its row. The wasm backend's
 * product accumulates every entry over the shared dimension in the same order, wherever the entry sits in a tile,
 * so q·x and x·q are the same float32 and so are the neighbours (knn.test.ts). (A backend whose product rounds x·q
 * otherwise gives the neighbours of its own rounding, as any search on it did, and the same ones on every run.)
 *
 * `nextBlock`: only the tiles of the row blocks it hands out (increasing), so each point is offered an increasing
 * subsequence of the others; splitSearch.ts gives the other row blocks to another thread and merges the two lists.
 */
export function searchSelf(
  points: Points,
  out: Neighbours,
  signal?: AbortSignal,
  nextBlock: NextBlock = allBlocks(),
): void {
  const { n, d } = points;
  const norms = squaredNorms(points);
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  const blocks: { start: number; size: number; colsT: tf.Tensor2D }[] = [];
  try {
    for (let start = 0; start < n; start += SELF_TILE) {
      const size = Math.min(SELF_TILE, n - start);
      blocks.push({ start, size, colsT: pointsTensor(points, start, size, true) });
    }
    for (let b = nextBlock(); b < blocks.length; b = nextBlock()) {
      const rows = blocks[b];
      const rowIds = ids.subarray(rows.start, rows.start + rows.size);
      const rowNorms = norms.subarray(rows.start, rows.start + rows.size);
      const rowLines = { queryIds: rowIds, qNorms: rowNorms, refNorms: norms, refIds: ids, out };
      const rowTensor = tf.tensor2d(points.x.subarray(rows.start * d, (rows.start + rows.size) * d), [rows.size, d]);
      try {
        for (let c = b; c < blocks.length; c++) {
          throwIfAborted(signal);
          const cols = blocks[c];
          useAndDispose(
            tf.tidy(() => tf.matMul(rowTensor, cols.colsT)),
            (dots) => {
              scanRows(dots, rows.size, cols.size, { ...rowLines, refStart: cols.start }, true);
              if (c === b) return;
              // The other half: column j of the tile is query cols.start + j, offered the rows' points in order.
              const colIds = ids.subarray(cols.start, cols.start + cols.size);
              const colNorms = norms.subarray(cols.start, cols.start + cols.size);
              const colLines = {
                queryIds: colIds,
                qNorms: colNorms,
                refStart: rows.start,
                refNorms: norms,
                refIds: ids,
                out,
              };
              scanColumns(dots, rows.size, cols.size, colLines);
            },
          );
        }
      } finally {
        rowTensor.dispose();
      }
    }
  } finally {
    for (const block of blocks) block.colsT.dispose();
  }
}
