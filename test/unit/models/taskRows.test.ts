import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dropSpareRows, spareRowsLength, taskRows } from '../../../src/compute/models/taskRows';
import type { TrainingData } from '../../../src/compute/models/types';
import { createRng, permutation } from '../../../src/compute/random';

/** A shared matrix of `total` rows × dims with distinct values, and a task of `rows` of it (all rows when absent). */
function task(total: number, dims: number, seed: number, rows?: Int32Array): TrainingData {
  const x = new Float32Array(new SharedArrayBuffer(total * dims * 4));
  for (let i = 0; i < x.length; i++) x[i] = seed * 1e5 + i;
  const n = rows ? rows.length : total;
  return { x, y: new Int32Array(n), n, dims, numClasses: 2 };
}

/** What a step must get: rows xOrder[start..end) of x, with `columns` (all when absent). */
function expected(data: TrainingData, xOrder: Int32Array, start: number, end: number, columns?: Int32Array) {
  const out: number[] = [];
  for (let r = start; r < end; r++)
    for (let j = 0; j < (columns?.length ?? data.dims); j++)
      out.push(data.x[xOrder[r] * data.dims + (columns ? columns[j] : j)]);
  return out;
}

/** Every batch of an epoch in a shuffled order, read through taskRows and checked against the shared matrix. */
function checkEpoch(data: TrainingData, rows: Int32Array | undefined, columns: Int32Array | undefined, packed: number) {
  const inputs = taskRows(data, rows, columns, packed);
  const width = columns?.length ?? data.dims;
  assert.equal(inputs.width, width);
  const order = permutation(data.n, createRng(data.n));
  const xOrder = rows ? Int32Array.from(order, (k) => rows[k]) : order;
  const batch = 7;
  const out = new Float32Array(batch * width).fill(NaN);
  for (let start = 0; start < data.n; start += batch) {
    const end = Math.min(data.n, start + batch);
    inputs.batch(xOrder, order, start, end, out);
    assert.deepEqual(Array.from(out.subarray(0, (end - start) * width)), expected(data, xOrder, start, end, columns));
  }
  inputs.release();
}

describe('a training task’s rows', () => {
  const rows = Int32Array.from({ length: 30 }, (_, k) => (k * 11) % 47);
  const columns = Int32Array.from([0, 2, 3, 7]);
  for (const [name, limit] of [
    ['packed in this thread', 1 << 20],
    ['read from the shared matrix (over the packing limit)', 16],
  ] as const)
    test(`${name}: every batch holds the rows and columns asked for`, () => {
      checkEpoch(task(47, 9, 1), undefined, undefined, limit);
      checkEpoch(task(47, 9, 2, rows), rows, undefined, limit);
      checkEpoch(task(47, 9, 3), undefined, columns, limit);
      checkEpoch(task(47, 9, 4, rows), rows, columns, limit);
    });

  test('trainers alive at once in one thread each keep their own rows; a released buffer serves the next', () => {
    const order = permutation(20, createRng(3));
    const out = new Float32Array(20 * 5);
    const reads = (rows: ReturnType<typeof taskRows>, data: TrainingData) => {
      out.fill(NaN);
      rows.batch(order, order, 0, 20, out);
      assert.deepEqual(Array.from(out), expected(data, order, 0, 20));
    };
    const [a, b, c, d] = [5, 6, 7, 8].map((seed) => task(20, 5, seed));
    const first = taskRows(a, undefined, undefined);
    const second = taskRows(b, undefined, undefined);
    reads(first, a);
    reads(second, b);
    first.release();
    // The buffer `first` gave back is packed anew for `third`; a second release by `first` must not lend it again.
    const third = taskRows(c, undefined, undefined);
    first.release();
    const fourth = taskRows(d, undefined, undefined);
    reads(second, b);
    reads(third, c);
    reads(fourth, d);
    for (const rows of [second, third, fourth]) rows.release();
  });

  test('the thread keeps the buffer between tasks until told it trains no more', () => {
    dropSpareRows();
    const data = task(30, 4, 9);
    const rows = taskRows(data, undefined, undefined);
    assert.equal(spareRowsLength(), 0, 'held by the trainer, not spare');
    rows.release();
    assert.ok(spareRowsLength() >= 30 * 4);
    dropSpareRows();
    assert.equal(spareRowsLength(), 0);
  });
});
