/**
 * The k nearest among a subset of the points themselves (knn.ts with referenceIds and excludeSelf: the input space's
 * search of every training sample against 4000 of them) at fewer products. The queries that are references are the
 * references among themselves: searchSelf takes each of their products once for both points, so the search costs
 * (n − m)·m + m²/2 products instead of n·m (MNIST 10k: 24 M instead of 32 M of the input space's 40 M).
 *
 * The lists are the very ones of searchExact over all queries: a reference query is offered the other references in
 * reference order either way (local order is reference order), each by the same float32 product (the wasm kernel
 * sums every entry in the same order wherever it sits in a tile, and q·x = x·q: exactSearch.ts) and the same float64
 * expression, so equal distances keep the same first-offered neighbour (test/unit/issues/referenceSearch.test.ts).
 */
import { sharedFloat32 } from '../sharedMemory';
import { emptyNeighbours, searchExactSplit, searchSelfSplit, type SplitOptions } from './splitSearch';
import type { Neighbours, Points } from './types';

/** The rows `ids` of `p`, in shared memory (posted to the search's helper thread uncopied). */
function sharedRows(p: Points, ids: Int32Array): Points {
  const x = sharedFloat32(ids.length * p.d);
  ids.forEach((id, r) => x.set(p.x.subarray(id * p.d, (id + 1) * p.d), r * p.d));
  return { x, n: ids.length, d: p.d };
}

/** The points that are not references; null when a reference id repeats (then a point could not skip itself once). */
function otherPoints(n: number, refIds: Int32Array): Int32Array | null {
  const isRef = new Uint8Array(n);
  for (const id of refIds) {
    if (isRef[id]) return null;
    isRef[id] = 1;
  }
  const others = new Int32Array(n - refIds.length);
  for (let i = 0, o = 0; i < n; i++) if (!isRef[i]) others[o++] = i;
  return others;
}

/**
 * Every point's k nearest among `refIds` (distinct ids of `points`), itself excluded, into `out` (empty:
 * emptyNeighbours); false, with `out` untouched, when the ids repeat. `options.meanwhile` runs in the first search.
 */
export function searchAmongReferences(
  points: Points,
  refIds: Int32Array,
  out: Neighbours,
  options: SplitOptions = {},
): boolean {
  const others = otherPoints(points.n, refIds);
  if (!others) return false;
  const { k } = out;
  const among = emptyNeighbours(refIds.length, k);
  searchSelfSplit(sharedRows(points, refIds), among, options);
  // A reference's list, from local indices to point ids.
  refIds.forEach((id, r) => {
    for (let m = 0; m < k; m++) {
      const local = among.index[r * k + m];
      out.index[id * k + m] = local < 0 ? -1 : refIds[local];
      out.distance[id * k + m] = among.distance[r * k + m];
    }
  });
  searchExactSplit(points, others, points, refIds, out, false, { ...options, meanwhile: undefined });
  return true;
}
