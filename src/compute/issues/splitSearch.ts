/**
 * The exact searches of exactSearch.ts on both cores: the matrices helper (parallel/matrixHelper.ts) takes part of
 * the work with the same code while this thread does the rest, and the neighbours are the very ones one thread finds.
 *
 * - searchExact splits its queries at a multiple of its query block: every query is searched whole by one thread,
 *   in the same blocks against the same tiles, so its list is the same bytes; the helper's lists are copied in.
 * - searchSelf splits its row blocks: each thread offers every point an increasing subsequence of the others, so
 *   each keeps the k smallest (distance, index) of its part (offer() keeps the first offered of equal distances),
 *   and the k smallest of the two lists by (distance, index) are the k that one thread offering all in increasing
 *   order keeps. Every tile is the same product on either thread (same wasm kernel, same shapes).
 * A cancel is seen between this thread's tiles and while it waits for the helper (then the helper is not reused).
 */
import { defaultThreads, type SplitProducts, withSplitProducts } from '../parallel/matrixHelper';
import { exactQueryBlock, searchExact, searchSelf, selfBlockCount } from './exactSearch';
import type { Neighbours, Points } from './types';

export interface SplitOptions {
  /** Default: both cores when the products are large enough to pay for the helper (defaultThreads). */
  threads?: 1 | 2;
  signal?: AbortSignal;
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

/** Runs this thread's part, then waits for the helper's request `id`; a failure here leaves the helper unused. */
function mineThenTheirs(split: SplitProducts, id: number, mine: () => void, signal?: AbortSignal) {
  try {
    mine();
  } catch (error) {
    split.abandon();
    throw error;
  }
  const reply = split.collect(id, signal);
  if (!reply.i32?.length || !reply.f64.length) throw new Error('internal error: a neighbour reply without its lists');
  return { index: reply.i32[0], distance: reply.f64[0] };
}

/**
 * Row blocks of searchSelf for the helper and for this thread: block b makes nb − b tiles, all but the first scanned
 * twice; each block in order goes to the side with less work so far (ties to the helper, which starts first).
 */
function balanceSelf(blocks: number): { theirs: Int32Array; mine: Int32Array } {
  const theirs: number[] = [];
  const mine: number[] = [];
  let loadTheirs = 0;
  let loadMine = 0;
  for (let b = 0; b < blocks; b++) {
    const cost = 2 * (blocks - b) - 1;
    if (loadTheirs <= loadMine) {
      theirs.push(b);
      loadTheirs += cost;
    } else {
      mine.push(b);
      loadMine += cost;
    }
  }
  return { theirs: Int32Array.from(theirs), mine: Int32Array.from(mine) };
}

/**
 * Merges `part` into `out` query by query: the k smallest of both lists by (distance, index). Both lists are sorted
 * so, hold distinct indices (each pair was offered by one thread only), and end in −1 where they ran short.
 */
function mergeNeighbours(out: Neighbours, part: Neighbours): void {
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

/** searchSelf(points, out) on one or both cores; `out` must be empty (emptyNeighbours). */
export function searchSelfSplit(points: Points, out: Neighbours, options: SplitOptions = {}): void {
  const { n, d } = points;
  const threads = options.threads ?? defaultThreads((n * n * d) / 2);
  withHelper(threads, (split) => {
    const { theirs, mine } = balanceSelf(selfBlockCount(n));
    if (!split || theirs.length === 0 || mine.length === 0) return searchSelf(points, out, options.signal);
    const id = split.post({ type: 'nearestSelf', x: ownBuffer(points.x), n, d, k: out.k, rowBlocks: theirs });
    const part = mineThenTheirs(split, id, () => searchSelf(points, out, options.signal, mine), options.signal);
    mergeNeighbours(out, { k: out.k, ...part });
  });
}

/** The helper's side of searchSelfSplit: the lists of its row blocks. */
export function searchSelfPart(points: Points, k: number, rowBlocks: Int32Array): Neighbours {
  const out = emptyNeighbours(points.n, k);
  searchSelf(points, out, undefined, rowBlocks);
  return out;
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
  const threads = options.threads ?? defaultThreads(queryIds.length * refIds.length * refs.d);
  const block = exactQueryBlock(refIds.length);
  // The helper's queries: the first half, rounded to whole blocks.
  const cut = Math.round(queryIds.length / 2 / block) * block;
  withHelper(threads, (split) => {
    if (!split || cut === 0 || cut >= queryIds.length)
      return searchExact(queries, queryIds, refs, refIds, out, skipSelf, options.signal);
    const theirs = queryIds.slice(0, cut);
    const queryX = ownBuffer(queries.x);
    // The same array twice in one message is cloned once.
    const refX = refs.x === queries.x ? queryX : ownBuffer(refs.x);
    const id = split.post({
      type: 'nearestExact',
      queries: { ...queries, x: queryX },
      queryIds: theirs,
      refs: { ...refs, x: refX },
      refIds,
      k: out.k,
      skipSelf,
    });
    const mine = queryIds.subarray(cut);
    const part = mineThenTheirs(
      split,
      id,
      () => searchExact(queries, mine, refs, refIds, out, skipSelf, options.signal),
      options.signal,
    );
    const { k } = out;
    theirs.forEach((q, r) => {
      out.index.set(part.index.subarray(r * k, (r + 1) * k), q * k);
      out.distance.set(part.distance.subarray(r * k, (r + 1) * k), q * k);
    });
  });
}

/** The helper's side of searchExactSplit: the lists of `queryIds`, in their order. */
export function searchExactPart(
  queries: Points,
  queryIds: Int32Array,
  refs: Points,
  refIds: Int32Array,
  k: number,
  skipSelf: boolean,
): Neighbours {
  const all = emptyNeighbours(queries.n, k);
  searchExact(queries, queryIds, refs, refIds, all, skipSelf);
  const out = emptyNeighbours(queryIds.length, k);
  queryIds.forEach((q, r) => {
    out.index.set(all.index.subarray(q * k, (q + 1) * k), r * k);
    out.distance.set(all.distance.subarray(q * k, (q + 1) * k), r * k);
  });
  return out;
}
