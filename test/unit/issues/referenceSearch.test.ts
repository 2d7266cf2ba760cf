/**
 * The search of every point among a subset of the points (referenceSearch.ts) takes the references' products once for
 * both of their points; its lists must be the very bytes of the search it replaced (searchExact of every query
 * against the references, self skipped), ties included, on one thread and on two, and both must be the float64
 * brute force's neighbours.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { searchExact } from '../../../src/compute/issues/exactSearch';
import { nearestNeighbours, type Points } from '../../../src/compute/issues/knn';
import { searchAmongReferences } from '../../../src/compute/issues/referenceSearch';
import { emptyNeighbours } from '../../../src/compute/issues/splitSearch';
import { createRng, permutation } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

before(async () => {
  await initBackend('wasm');
});

/** Points on a coarse integer grid, some repeated exactly: many equal distances, so ties decide the lists. */
function tiedPoints(n: number, d: number, seed: number): Points {
  const rng = createRng(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    if (i > 0 && rng() < 0.1) x.copyWithin(i * d, (i - 1) * d, i * d);
    else for (let j = 0; j < d; j++) x[i * d + j] = Math.floor(rng() * 3);
  }
  return { x, n, d };
}

/** The search the issues pass ran before: every query against the references, self skipped. */
function allAgainstReferences(points: Points, refIds: Int32Array, k: number) {
  const out = emptyNeighbours(points.n, k);
  searchExact(
    points,
    Int32Array.from({ length: points.n }, (_, i) => i),
    points,
    refIds,
    out,
    true,
  );
  return out;
}

function someIds(n: number, m: number, seed: number, sorted: boolean): Int32Array {
  const ids = Int32Array.from(permutation(n, createRng(seed)).subarray(0, m));
  return sorted ? ids.sort() : ids;
}

test('every point among the references: the lists of every query against them, bit for bit', () => {
  const points = tiedPoints(1400, 9, 1);
  const cases: [Int32Array, string][] = [
    [someIds(points.n, 600, 2, true), 'sorted subset'],
    [someIds(points.n, 600, 3, false), 'unsorted subset'],
    [someIds(points.n, points.n, 4, true), 'all points'],
  ];
  for (const [refIds, name] of cases) {
    const expected = allAgainstReferences(points, refIds, 7);
    for (const threads of [1, 2] as const) {
      const out = emptyNeighbours(points.n, 7);
      assert.ok(searchAmongReferences(points, refIds, out, { threads }));
      assert.deepEqual(out.index, expected.index, `${name}, ${threads} thread(s): indices`);
      assert.deepEqual(out.distance, expected.distance, `${name}, ${threads} thread(s): distances`);
    }
  }
});

test('nearestNeighbours with references equals a float64 brute force, and repeated ids take the old search', () => {
  const rng = createRng(5);
  const points: Points = { x: Float32Array.from({ length: 500 * 6 }, () => rng() * 4 - 2), n: 500, d: 6 };
  const refIds = someIds(points.n, 180, 6, true);
  const found = nearestNeighbours(points, points, 5, { excludeSelf: true, referenceIds: refIds });
  for (let q = 0; q < points.n; q++) {
    const all = Array.from(refIds)
      .filter((r) => r !== q)
      .map((r) => {
        let s = 0;
        for (let j = 0; j < points.d; j++) s += (points.x[q * points.d + j] - points.x[r * points.d + j]) ** 2;
        return { r, dist: Math.sqrt(s) };
      })
      .sort((a, b) => a.dist - b.dist);
    assert.deepEqual(
      Array.from(found.index.subarray(q * 5, q * 5 + 5)),
      all.slice(0, 5).map((e) => e.r),
      `query ${q}`,
    );
    for (let m = 0; m < 5; m++)
      assert.ok(Math.abs(found.distance[q * 5 + m] - all[m].dist) < 1e-5 * (1 + all[m].dist), `query ${q} rank ${m}`);
  }
  const repeated = Int32Array.from([3, 7, 7, 9]);
  assert.equal(searchAmongReferences(points, repeated, emptyNeighbours(points.n, 5)), false);
  const withRepeats = nearestNeighbours(points, points, 2, { excludeSelf: true, referenceIds: repeated });
  assert.deepEqual(withRepeats.index, allAgainstReferences(points, repeated, 2).index);
});
