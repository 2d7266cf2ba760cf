/**
 * The neighbour searches drop the coordinates that are zero in every sample (zeroColumns.ts): the neighbours and
 * distances must be the very bytes of the search over the full vectors (the one the issues pass ran before), on
 * sparse pixel-like data whose products are mostly exact zeros, on one thread and on two; in the input space and in
 * the feature space (a logistic regression's features are its pixels).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { HeadState } from '../../../src/compute/issues/harmful';
import { findNeighbours } from '../../../src/compute/issues';
import { nearestNeighbours, type Points } from '../../../src/compute/issues/knn';
import { withoutZeroColumns } from '../../../src/compute/issues/zeroColumns';
import { createRng } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

before(async () => {
  await initBackend('wasm');
});

/** n "images" of d pixels: a border of columns never inked, strokes of 8-bit greys elsewhere, most pixels 0. */
function sparseImages(n: number, d: number, seed: number, border: Set<number>): Points {
  const rng = createRng(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) if (!border.has(j) && rng() < 0.25) x[i * d + j] = Math.floor(rng() * 256) / 255;
  return { x, n, d };
}

test('withoutZeroColumns keeps the columns some sample uses, in order, and leaves a set without any as it is', () => {
  const a = { x: Float32Array.from([0, 1, 0, 2, 0, 0]), n: 2, d: 3 };
  const b = { x: Float32Array.from([0, 0, 0]), n: 1, d: 3 };
  const [ca, cb] = withoutZeroColumns([a, b]);
  assert.equal(ca.d, 2);
  assert.deepEqual(Array.from(ca.x), [0, 1, 2, 0]);
  assert.deepEqual(Array.from(cb.x), [0, 0]);
  const dense = { x: Float32Array.from([1, 2, 3, 4]), n: 2, d: 2 };
  assert.equal(withoutZeroColumns([dense])[0], dense);
});

test('the searches over the kept columns give the full vectors neighbours and distances, bit for bit', () => {
  const d = 196;
  const border = new Set(Array.from({ length: d }, (_, j) => j).filter((j) => j % 14 < 2 || j < 28 || j % 7 === 3));
  const train = sparseImages(1500, d, 1, border);
  const test = sparseImages(400, d, 2, border);
  const [cTrain, cTest] = withoutZeroColumns([train, test]);
  assert.ok(cTrain.d < d - 40, `${d - cTrain.d} columns dropped`);
  const referenceIds = Int32Array.from({ length: 700 }, (_, i) => i * 2).sort();
  for (const threads of [1, 2] as const) {
    const cases: [Points, Points, Points, Points, object][] = [
      [train, train, cTrain, cTrain, { excludeSelf: true, referenceIds }],
      [test, train, cTest, cTrain, { referenceIds }],
      [train, train, cTrain, cTrain, { excludeSelf: true }],
      [test, train, cTest, cTrain, {}],
    ];
    for (const [q, r, cq, cr, options] of cases) {
      const full = nearestNeighbours(q, r, 5, { ...options, threads });
      const kept = nearestNeighbours(cq, cr, 5, { ...options, threads });
      assert.deepEqual(kept.index, full.index, `indices, ${threads} thread(s), ${JSON.stringify(options)}`);
      assert.deepEqual(kept.distance, full.distance, `distances, ${threads} thread(s)`);
    }
  }
});

test('the feature-space searches run on the used columns and find the full vectors neighbours, bit for bit', () => {
  const d = 196;
  const border = new Set(Array.from({ length: d }, (_, j) => j).filter((j) => j % 14 < 2 || j < 28));
  const train = sparseImages(900, d, 3, border);
  const test = sparseImages(250, d, 4, border);
  const labels = (n: number) => Int32Array.from({ length: n }, (_, i) => i % 3);
  // findNeighbours without the harm reads only the features and labels of the head state.
  const state = {
    train: { phi: train.x, y: labels(train.n), n: train.n },
    test: { phi: test.x, y: labels(test.n), n: test.n },
    shape: { featureDim: d, numClasses: 3 },
  } as HeadState;
  const widths: number[] = [];
  const found = findNeighbours({
    state,
    search: (_, queries, refs, k, options) => {
      widths.push(queries.d, refs.d);
      return nearestNeighbours(queries, refs, k, options);
    },
  });
  assert.ok(
    widths.every((w) => w === d - border.size),
    `searched widths ${widths}`,
  );
  const full = [
    [found.trainInTrain, nearestNeighbours(train, train, 10, { excludeSelf: true })],
    [found.testInTrain, nearestNeighbours(test, train, 10)],
    [found.testInTest, nearestNeighbours(test, test, 10, { excludeSelf: true })],
  ];
  for (const [kept, expected] of full) {
    assert.deepEqual(kept.index, expected.index);
    assert.deepEqual(kept.distance, expected.distance);
  }
});
