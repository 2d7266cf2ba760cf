/**
 * The input-space searches drop the coordinates that are zero in every sample (zeroColumns.ts): the neighbours and
 * distances must be the very bytes of the search over the full vectors (the one the issues pass ran before), on
 * sparse pixel-like data whose products are mostly exact zeros, on one thread and on two.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
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
