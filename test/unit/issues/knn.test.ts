/**
 * The k-NN behind near-duplicates and outliers: the blocked float32 products
 * give the same neighbours as a float64 brute force, and the windowed search
 * used beyond EXACT_KNN_LIMIT still finds every near-duplicate.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSharedCancelFlag, raiseSharedCancelFlag, signalFromSharedFlag } from '../../../src/compute/cancel';
import { CancelledError } from '../../../src/compute/errors';
import { exactQueryBlock, searchExact, searchSelf, selfBlockCount } from '../../../src/compute/issues/exactSearch';
import { nearestNeighbours, type Points } from '../../../src/compute/issues/knn';
import { copyBlocks, emptyNeighbours, mergeNeighbours } from '../../../src/compute/issues/splitSearch';
import { matMul, transpose } from '../../../src/compute/linalg/matmul';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

before(async () => {
  await initBackend('wasm');
});

function cloud(n: number, d: number, seed: number): Points {
  const rng = createRng(seed);
  return { x: Float32Array.from({ length: n * d }, () => normal(rng)), n, d };
}

function bruteForce(q: Points, r: Points, k: number, excludeSelf: boolean): { index: number[]; distance: number[] }[] {
  return Array.from({ length: q.n }, (_, i) => {
    const all = Array.from({ length: r.n }, (_, j) => {
      let s = 0;
      for (let c = 0; c < q.d; c++) s += (q.x[i * q.d + c] - r.x[j * r.d + c]) ** 2;
      return { j, dist: Math.sqrt(s) };
    }).filter((e) => !(excludeSelf && e.j === i));
    all.sort((a, b) => a.dist - b.dist);
    return { index: all.slice(0, k).map((e) => e.j), distance: all.slice(0, k).map((e) => e.dist) };
  });
}

test('exact k-NN equals a float64 brute force (self excluded, and query ≠ reference)', () => {
  const refs = cloud(300, 7, 1);
  const queries = cloud(40, 7, 2);
  for (const [q, excludeSelf] of [
    [refs, true],
    [queries, false],
  ] as const) {
    const got = nearestNeighbours(q, refs, 5, { excludeSelf });
    const want = bruteForce(q, refs, 5, excludeSelf);
    want.forEach((w, i) => {
      assert.deepEqual(Array.from(got.index.subarray(i * 5, i * 5 + 5)), w.index, `query ${i}`);
      w.distance.forEach((d, j) =>
        assert.ok(Math.abs(got.distance[i * 5 + j] - d) < 1e-4 * (1 + d), `query ${i} rank ${j}`),
      );
    });
  }
});

test('the windowed search beyond the exact limit still pairs every near-duplicate', () => {
  const base = cloud(400, 6, 3);
  // 20 near copies of random points appended at the end.
  const rng = createRng(4);
  const copies = Array.from({ length: 20 }, () => Math.floor(rng() * 400));
  const x = new Float32Array((400 + 20) * 6);
  x.set(base.x);
  copies.forEach((src, k) => {
    for (let c = 0; c < 6; c++) x[(400 + k) * 6 + c] = base.x[src * 6 + c] + 1e-3 * normal(rng);
  });
  const all: Points = { x, n: 420, d: 6 };
  const got = nearestNeighbours(all, all, 3, { excludeSelf: true, exactLimit: 100, seed: 9 });
  copies.forEach((src, k) => assert.equal(got.index[(400 + k) * 3], src, `copy ${k} of ${src}`));
});

test(
  'a reference subset: neighbours come from it only, a query in it is not ' +
    'its own neighbour, and they are the nearest there',
  () => {
    const all = cloud(200, 5, 7);
    const subset = Int32Array.from({ length: 50 }, (_, k) => 4 * k);
    const got = nearestNeighbours(all, all, 3, { excludeSelf: true, referenceIds: subset });
    const inSubset = new Set(subset);
    for (let i = 0; i < all.n; i++) {
      const ids = Array.from(got.index.subarray(i * 3, i * 3 + 3));
      assert.ok(
        ids.every((j) => inSubset.has(j) && j !== i),
        `query ${i}: ${ids}`,
      );
      const want = Array.from(subset)
        .filter((j) => j !== i)
        .map((j) => ({ j, d: Math.hypot(...Array.from({ length: 5 }, (_, c) => all.x[i * 5 + c] - all.x[j * 5 + c])) }))
        .sort((a, b) => a.d - b.d)
        .slice(0, 3)
        .map((e) => e.j);
      assert.deepEqual(ids, want, `query ${i}`);
    }
  },
);

/**
 * The reference for the tiled, threshold-filtered search (exactSearch.ts): all squared distances from ONE product of
 * every query with every reference, by the same float64 expression, each query's references sorted by (distance,
 * index). Equal bit for bit: the tiles change neither a product's value nor which of two equal distances comes first.
 */
function oneProductReference(q: Points, r: Points, k: number, excludeSelf: boolean, referenceIds?: Int32Array) {
  const ids = referenceIds ? Array.from(referenceIds) : Array.from({ length: r.n }, (_, j) => j);
  const refs = new Float32Array(ids.length * r.d);
  ids.forEach((j, c) => refs.set(r.x.subarray(j * r.d, (j + 1) * r.d), c * r.d));
  const norm = (x: Float32Array, i: number, d: number) => {
    let s = 0;
    for (let c = i * d; c < (i + 1) * d; c++) s += x[c] * x[c];
    return s;
  };
  const dots = matMul(q.x, q.n, q.d, transpose(refs, ids.length, r.d), ids.length);
  const index = new Int32Array(q.n * k).fill(-1);
  const distance = new Float64Array(q.n * k).fill(Infinity);
  for (let i = 0; i < q.n; i++) {
    const qn = norm(q.x, i, q.d);
    const all = ids
      .map((j, c) => ({ j, dist: Math.sqrt(Math.max(qn + norm(refs, c, r.d) - 2 * dots[i * ids.length + c], 0)) }))
      .filter((e) => !(excludeSelf && e.j === i) && Number.isFinite(e.dist))
      .sort((a, b) => a.dist - b.dist || a.j - b.j)
      .slice(0, k);
    all.forEach((e, c) => {
      index[i * k + c] = e.j;
      distance[i * k + c] = e.dist;
    });
  }
  return { index, distance };
}

function adversarial(n: number, d: number, seed: number, kind: 'normal' | 'integers' | 'copies' | 'constant'): Points {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: n * d }, () =>
    kind === 'integers' ? Math.round(2 * normal(rng)) : normal(rng),
  );
  // Every fourth row an exact copy of a random row: distances of exactly 0, and many equal ones.
  if (kind === 'copies')
    for (let i = 0; i < n; i += 4) {
      const j = Math.floor(rng() * n);
      x.copyWithin(i * d, j * d, (j + 1) * d);
    }
  // A constant column (no NaN from it) and a constant row.
  if (kind === 'constant') {
    for (let i = 0; i < n; i++) x[i * d] = 5;
    if (n > 1) x.fill(5, d, 2 * d);
  }
  return { x, n, d };
}

test('the tiled search equals one product over everything, bit for bit (ties, copies, tiny sets, 2 threads)', () => {
  const cases: [number, number, number][] = [
    [1, 1, 3],
    [2, 2, 1],
    [3, 5, 2],
    // Across reference tiles (1,024) and query blocks; and more queries than one block of a small reference set.
    [1100, 70, 9],
    [40, 1030, 5],
  ];
  for (const [n, m, d] of cases)
    for (const kind of ['normal', 'integers', 'copies', 'constant'] as const) {
      const refs = adversarial(n, d, n + d, kind);
      const queries = adversarial(m, d, m + 7 * d, kind);
      const subset = Int32Array.from({ length: Math.ceil(n / 3) }, (_, j) => 3 * j);
      for (const [q, excludeSelf, referenceIds] of [
        [refs, true, undefined],
        [queries, false, undefined],
        [refs, true, subset],
      ] as const) {
        const k = 10;
        const want = oneProductReference(q, refs, k, excludeSelf, referenceIds);
        // Two threads: the helper searches part of the queries (or of the self-search's row blocks), splitSearch.ts.
        for (const threads of [1, 2] as const) {
          const got = nearestNeighbours(q, refs, k, { excludeSelf, referenceIds, threads });
          const what = `${kind} n=${n} m=${q.n} d=${d} excludeSelf=${excludeSelf} subset=${!!referenceIds} threads=${threads}`;
          assert.deepEqual(got.index, want.index, what);
          assert.deepEqual(got.distance, want.distance, what);
        }
      }
    }
});

test('a cancel raised before a search on two threads throws CancelledError, and the next search works', () => {
  const points = adversarial(1100, 9, 5, 'normal');
  const flag = createSharedCancelFlag();
  const signal = signalFromSharedFlag(flag);
  raiseSharedCancelFlag(flag);
  for (const referenceIds of [undefined, Int32Array.from({ length: 400 }, (_, j) => 2 * j)])
    assert.throws(
      () => nearestNeighbours(points, points, 5, { excludeSelf: true, referenceIds, threads: 2, signal }),
      CancelledError,
    );
  const again = nearestNeighbours(points, points, 5, { excludeSelf: true, threads: 2 });
  const want = oneProductReference(points, points, 5, true);
  assert.deepEqual(again.index, want.index);
});

/** Block indices handed out in the given order, then none (exactSearch.ts's NextBlock). */
function handOut(blocks: number[]): () => number {
  let next = 0;
  return () => (next < blocks.length ? blocks[next++] : 2 ** 30);
}

test('any division of the blocks between two threads gives the one-thread neighbours (splitSearch.ts)', () => {
  for (const kind of ['integers', 'copies', 'normal'] as const) {
    const points = adversarial(1300, 6, 11, kind);
    const k = 7;
    const rng = createRng(kind.length);
    // searchSelf: 6 row blocks of 256, each to one side at random (each side takes its own in increasing order).
    const want = oneProductReference(points, points, k, true);
    for (let trial = 0; trial < 4; trial++) {
      const blocks = Array.from({ length: selfBlockCount(points.n) }, (_, b) => b);
      const theirs = blocks.filter(() => rng() < 0.5);
      const mine = blocks.filter((b) => !theirs.includes(b));
      const out = emptyNeighbours(points.n, k);
      const part = emptyNeighbours(points.n, k);
      searchSelf(points, out, undefined, handOut(mine));
      searchSelf(points, part, undefined, handOut(theirs));
      mergeNeighbours(out, part);
      assert.deepEqual(out.index, want.index, `${kind} self, helper blocks ${theirs}`);
      assert.deepEqual(out.distance, want.distance, `${kind} self, helper blocks ${theirs}`);
    }
    // searchExact against a reference subset: query blocks at random to either side, the helper's copied in.
    const subset = Int32Array.from({ length: 500 }, (_, j) => 2 * j + (j % 2));
    const wantExact = oneProductReference(points, points, k, true, subset);
    const ids = Int32Array.from({ length: points.n }, (_, i) => i);
    const block = exactQueryBlock(subset.length);
    const count = Math.ceil(points.n / block);
    const theirs = Array.from({ length: count }, (_, b) => b).filter(() => rng() < 0.5);
    const mine = Array.from({ length: count }, (_, b) => b).filter((b) => !theirs.includes(b));
    const out = emptyNeighbours(points.n, k);
    const part = emptyNeighbours(points.n, k);
    searchExact(points, ids, points, subset, out, true, undefined, handOut(mine));
    searchExact(points, ids, points, subset, part, true, undefined, handOut(theirs));
    copyBlocks(out, part, Int32Array.from(theirs), ids, block);
    assert.deepEqual(out.index, wantExact.index, `${kind} exact, helper blocks ${theirs}`);
    assert.deepEqual(out.distance, wantExact.distance, `${kind} exact, helper blocks ${theirs}`);
  }
});
