/**
 * The exact searches of exactSearch.ts on both cores: the matrices helper (parallel/matrixHelper.ts) and this thread
 * take blocks in turn from a counter in shared memory (Atomics.add), so the faster one (the machine may be loaded
 * unevenly) does more, and the neighbours are the very ones one thread finds:
 * - searchExact's blocks are query blocks: every query is searched whole by one thread, in the same blocks against
 *   the same tiles, so its list is the same bytes; the helper's lists are copied in by block.
 * - searchSelf's blocks are row blocks: each thread takes increasing blocks, so it offers every point an increasing
 *   subsequence of the others and keeps the k smallest (distance, index) of its part (offer() keeps the first offered
 *   of equal distances); the k smallest of the two lists by (distance, index) are the k that one thread offering all
 *   in increasing order keeps. Every tile is the same product on either thread (same wasm kernel, same shapes).
 * A cancel is seen between this thread's tiles and while it waits for the helper; the helper then takes no further
 * block, and is not reused.
 */
import { claimNext, sharedClaims, stopClaims } from '../parallel/claims';
import { defaultThreads, type SplitProducts, withSplitProducts } from '../parallel/matrixHelper';
import { exactQueryBlock, type NextBlock, searchExact, searchSelf, selfBlockCount } from './exactSearch';
import type { Neighbours, Points } from './types';

export interface SplitOptions {
  /**
   * Default: both cores when the products are large enough to pay for the helper (defaultThreads), or when there is
   * other work meanwhile (the helper's start is then hidden behind it).
   */
  threads?: 1 | 2;
  signal?: AbortSignal;
  /**
   * Other work of this thread, run once: on two threads after the helper has started on the search (which this
   * thread joins after it), on one before the search.
   */
  meanwhile?: () => void;
}

export function emptyNeighbours(n: number, k: number): Neighbours {
  return { k, index: new Int32Array(n * k).fill(-1), distance: new Float64Array(n * k).fill(Infinity) };
}

/**
 * What to post of `x`: itself when it is in shared memory (posted uncopied) or fills its buffer, else a copy (posting
 * a view copies its whole buffer).
 */
function ownBuffer(x: Float32Array): Float32Array {
  return x.buffer instanceof SharedArrayBuffer || x.byteLength === x.buffer.byteLength ? x : x.slice();
}

function withHelper(threads: 1 | 2, body: (split: SplitProducts | undefined) => void): void {
  if (threads === 1) return body(undefined);
  withSplitProducts(threads, (split) => body(split.parallel ? split : undefined));
}

/** The next block from `claims` for this thread, recording in `taken` those it took below `count`. */
export function claimFrom(claims: Int32Array, count: number, taken: number[]): NextBlock {
  return () => {
    const block = claimNext(claims);
    if (block < count) taken.push(block);
    return block;
  };
}

/**
 * The helper's request `id` is under way: runs `meanwhile`, then this thread's blocks, then waits for the helper's
 * k-lists (of every query, those of its blocks filled) and the blocks it took. A failure here stops the helper's
 * claims and leaves it unused.
 */
function joinHelper(
  split: SplitProducts,
  id: number,
  claims: Int32Array,
  k: number,
  mine: () => void,
  options: SplitOptions,
): { part: Neighbours; taken: Int32Array } {
  try {
    options.meanwhile?.();
    mine();
  } catch (error) {
    stopClaims(claims);
    split.abandon();
    throw error;
  }
  const reply = split.collect(id, options.signal);
  if (reply.i32?.length !== 2 || reply.f64.length !== 1)
    throw new Error('internal error: a neighbour reply without its lists');
  return { part: { k, index: reply.i32[0], distance: reply.f64[0] }, taken: reply.i32[1] };
}

/**
 * Merges `part` into `out` query by query: the k smallest of both lists by (distance, index). Both lists are sorted
 * so, hold distinct indices (each pair was offered by one thread only), and end in −1 where they ran short.
 */
export function mergeNeighbours(out: Neighbours, part: Neighbours): void {
  const { k } = out;
  const index = new Int32Array(k);
  const distance = new Float64Array(k);
  const n = out.index.length / k;
  for (let q = 0; q < n; q++) {
    const base = q * k;
    let a = 0;
    let b = 0;
    for (let m = 0; m < k; m++) {
      const ia = a < k ? out.index[base + a] : -1;
      const ib = b < k ? part.index[base + b] : -1;
      const da = out.distance[base + a];
      const db = part.distance[base + b];
      const takeA = ib === -1 || (ia !== -1 && (da < db || (da === db && ia < ib)));
      if (takeA && ia === -1) {
        index.fill(-1, m);
        distance.fill(Infinity, m);
        break;
      }
      index[m] = takeA ? ia : ib;
      distance[m] = takeA ? da : db;
      if (takeA) a++;
      else b++;
    }
    out.index.set(index, base);
    out.distance.set(distance, base);
  }
}

/** What the helper's side returns: its k-lists of every query and the blocks it took. */
export interface NeighbourPart {
  out: Neighbours;
  taken: Int32Array;
}

/** searchSelf(points, out) on one or both cores; `out` must be empty (emptyNeighbours). */
export function searchSelfSplit(points: Points, out: Neighbours, options: SplitOptions = {}): void {
  const { n, d } = points;
  const threads = options.threads ?? defaultThreads(options.meanwhile ? Infinity : (n * n * d) / 2);
  withHelper(threads, (split) => {
    if (!split) {
      options.meanwhile?.();
      return searchSelf(points, out, options.signal);
    }
    const claims = sharedClaims();
    const id = split.post({ type: 'nearestSelf', x: ownBuffer(points.x), n, d, k: out.k, claims });
    const mine = claimFrom(claims, 0, []);
    const { part } = joinHelper(split, id, claims, out.k, () => searchSelf(points, out, options.signal, mine), options);
    mergeNeighbours(out, part);
  });
}

/** The helper's side of searchSelfSplit: the lists of the row blocks it takes from `claims`. */
export function searchSelfPart(points: Points, k: number, claims: Int32Array): NeighbourPart {
  const out = emptyNeighbours(points.n, k);
  const taken: number[] = [];
  searchSelf(points, out, undefined, claimFrom(claims, selfBlockCount(points.n), taken));
  return { out, taken: Int32Array.from(taken) };
}

/** searchExact(queries, queryIds, refs, refIds, out, skipSelf) on one or both cores; `out` must be empty. */
export function searchExactSplit(
  queries: Points,
  queryIds: Int32Array,
  refs: Points,
  refIds: Int32Array,
  out: Neighbours,
  skipSelf: boolean,
  options: SplitOptions = {},
): void {
  const threads =
    options.threads ?? defaultThreads(options.meanwhile ? Infinity : queryIds.length * refIds.length * refs.d);
  const block = exactQueryBlock(refIds.length);
  withHelper(threads, (split) => {
    if (!split || queryIds.length <= block) {
      options.meanwhile?.();
      return searchExact(queries, queryIds, refs, refIds, out, skipSelf, options.signal);
    }
    const claims = sharedClaims();
    const queryX = ownBuffer(queries.x);
    // The same array twice in one message is cloned once.
    const refX = refs.x === queries.x ? queryX : ownBuffer(refs.x);
    const id = split.post({
      type: 'nearestExact',
      queries: { ...queries, x: queryX },
      queryIds,
      refs: { ...refs, x: refX },
      refIds,
      k: out.k,
      skipSelf,
      claims,
    });
    const mine = claimFrom(claims, 0, []);
    const search = () => searchExact(queries, queryIds, refs, refIds, out, skipSelf, options.signal, mine);
    const { part, taken } = joinHelper(split, id, claims, out.k, search, options);
    copyBlocks(out, part, taken, queryIds, block);
  });
}

/** The k-lists of the queries of blocks `taken` (of `block` queries in queryIds order) copied from `part` to `out`. */
export function copyBlocks(
  out: Neighbours,
  part: Neighbours,
  taken: Int32Array,
  queryIds: Int32Array,
  block: number,
): void {
  const { k } = out;
  for (const b of taken)
    for (let r = b * block; r < Math.min((b + 1) * block, queryIds.length); r++) {
      const q = queryIds[r];
      out.index.set(part.index.subarray(q * k, (q + 1) * k), q * k);
      out.distance.set(part.distance.subarray(q * k, (q + 1) * k), q * k);
    }
}

/** The helper's side of searchExactSplit: the lists of the query blocks it takes from `claims`. */
export function searchExactPart(
  queries: Points,
  queryIds: Int32Array,
  refs: Points,
  refIds: Int32Array,
  k: number,
  skipSelf: boolean,
  claims: Int32Array,
): NeighbourPart {
  const out = emptyNeighbours(queries.n, k);
  const taken: number[] = [];
  const blocks = Math.ceil(queryIds.length / exactQueryBlock(refIds.length));
  searchExact(queries, queryIds, refs, refIds, out, skipSelf, undefined, claimFrom(claims, blocks, taken));
  return { out, taken: Int32Array.from(taken) };
}
