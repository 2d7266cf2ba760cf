/**
 * Exact k nearest neighbours in feature space (Euclidean), for
 * near-duplicates and outliers (issue 17). Distances come from blocked
 * matrix products on the tfjs backend (exactSearch.ts): for a block of
 * queries Q and a tile of reference points X, ‖q − x‖² = ‖q‖² + ‖x‖² − 2·q·x,
 * with Q·Xᵀ one float32 matMul (wasm SIMD does ~25 GFLOP/s here), and a
 * search of the points among themselves takes each product once for both.
 * Memory stays O(tile) beside one copy of the references on the backend.
 *
 * Beyond EXACT_KNN_LIMIT reference points the all-pairs products grow as
 * N², so the search is restricted to windows: all points are sorted along a
 * random direction and each query is compared with the points in the two
 * half-overlapping windows of WINDOW points that contain it. Neighbours that
 * are close in feature space are close along every direction, so
 * near-duplicates (distance ≪ typical) are found all the same; the k-NN
 * distance of an ordinary point is an upper bound (it can only miss closer
 * points outside its window), which makes outlier scores at that size
 * conservative rather than wrong in direction.
 */
import { throwIfAborted } from '../cancel';
import { createRng, deriveSeed } from '../random';
import { searchExact } from './exactSearch';
import { searchAmongReferences } from './referenceSearch';
import { emptyNeighbours, searchExactSplit, searchSelfSplit } from './splitSearch';
import type { Neighbours, Points } from './types';

export type { Neighbours, Points } from './types';

export const EXACT_KNN_LIMIT = 100_000;
const WINDOW = 50_000;

export interface KnnOptions {
  /** When queries and references are the same points: skip each point itself. */
  excludeSelf?: boolean;
  signal?: AbortSignal;
  seed?: number;
  /** Search among these reference ids only (exact, any size; with excludeSelf a query is never its own neighbour). */
  referenceIds?: Int32Array;
  /** Overrides EXACT_KNN_LIMIT (tests). */
  exactLimit?: number;
  /** Threads of the exact search (splitSearch.ts; same neighbours either way); default: by its size. */
  threads?: 1 | 2;
  /** Other work for this thread, run once during the search when the helper thread searches too (splitSearch.ts). */
  meanwhile?: () => void;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The k nearest references of every query. With `excludeSelf`, queries and
 * references must be the same points and a point is not its own neighbour.
 * Exact up to EXACT_KNN_LIMIT references; windowed beyond (see the top).
 */
export function nearestNeighbours(queries: Points, refs: Points, k: number, options: KnnOptions = {}): Neighbours {
  const out = emptyNeighbours(queries.n, Math.max(1, k));
  if (queries.n === 0 || refs.n === 0) {
    options.meanwhile?.();
    return out;
  }
  const skipSelf = queries === refs && (options.excludeSelf ?? false);
  const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  const limit = options.exactLimit ?? EXACT_KNN_LIMIT;
  const split = { threads: options.threads, signal: options.signal, meanwhile: options.meanwhile };
  if (options.referenceIds) {
    if (!(skipSelf && searchAmongReferences(refs, options.referenceIds, out, split)))
      searchExactSplit(queries, all(queries.n), refs, options.referenceIds, out, skipSelf, split);
    options.onProgress?.(1, 1);
    return out;
  }
  if (refs.n <= limit && skipSelf) {
    searchSelfSplit(refs, out, split);
    options.onProgress?.(1, 1);
    return out;
  }
  if (refs.n <= limit) {
    searchExactSplit(queries, all(queries.n), refs, all(refs.n), out, skipSelf, split);
    options.onProgress?.(1, 1);
    return out;
  }
  options.meanwhile?.();
  // Windowed: sort queries and references together along one random direction.
  const rng = createRng(deriveSeed(options.seed ?? 0, 'knn-direction'));
  const dir = Float64Array.from({ length: refs.d }, () => rng() - 0.5);
  const along = (p: Points, i: number) => {
    let s = 0;
    for (let j = 0; j < p.d; j++) s += p.x[i * p.d + j] * dir[j];
    return s;
  };
  const refOrder = Array.from(all(refs.n))
    .map((i) => ({ i, v: along(refs, i) }))
    .sort((a, b) => a.v - b.v);
  const refValues = Float64Array.from(refOrder, (e) => e.v);
  const window = Math.min(options.exactLimit ? Math.max(2, Math.floor(limit / 2)) : WINDOW, refs.n);
  const half = Math.max(1, Math.floor(window / 2));
  // Windows start every half window; query i goes to the two windows around its position.
  const starts: number[] = [];
  for (let s = 0; s + window < refs.n + half; s += half) starts.push(Math.min(s, refs.n - window));
  const members: number[][] = starts.map(() => []);
  for (let i = 0; i < queries.n; i++) {
    const v = along(queries, i);
    let lo = 0;
    let hi = refValues.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (refValues[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    const w = Math.min(starts.length - 1, Math.floor(lo / half));
    members[w].push(i);
    if (w > 0) members[w - 1].push(i);
  }
  starts.forEach((start, w) => {
    throwIfAborted(options.signal);
    if (members[w].length === 0) return;
    const refIds = Int32Array.from(refOrder.slice(start, start + window), (e) => e.i);
    searchExact(queries, members[w], refs, refIds, out, skipSelf, options.signal);
    options.onProgress?.(w + 1, starts.length);
  });
  return out;
}
