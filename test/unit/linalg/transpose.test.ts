/**
 * linalg/matmul.ts's transpose, which moves eight rows at a time and then the rows left over: every shape around
 * the multiples of eight, a single row or column, an empty matrix, into a larger reused buffer, and twice back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transpose, transposeRows } from '../../../src/compute/linalg/matmul';

function filled(rows: number, cols: number): Float32Array {
  // Distinct values, so a value written to the wrong place cannot match by chance.
  return Float32Array.from({ length: rows * cols }, (_, i) => i + 1);
}

test('every entry (i, j) lands at (j, i), for row counts around multiples of eight', () => {
  for (const rows of [0, 1, 2, 7, 8, 9, 15, 16, 17, 31]) {
    for (const cols of [0, 1, 3, 8, 13]) {
      const a = filled(rows, cols);
      const t = transpose(a, rows, cols);
      assert.equal(t.length, rows * cols);
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++)
          assert.equal(t[j * rows + i], a[i * cols + j], `${rows}×${cols} at (${i}, ${j})`);
      assert.deepEqual(transpose(t, cols, rows), a, `${rows}×${cols} transposed twice`);
    }
  }
});

test('writes only the first rows·cols entries of a larger buffer, and reads only the first rows·cols values', () => {
  const rows = 11;
  const cols = 5;
  const a = new Float32Array(rows * cols + 7).fill(-1);
  a.set(filled(rows, cols));
  const out = new Float32Array(rows * cols + 9).fill(42);
  const t = transpose(a, rows, cols, out);
  assert.equal(t, out);
  for (let i = rows * cols; i < out.length; i++) assert.equal(out[i], 42);
  for (let i = 0; i < rows * cols; i++) assert.notEqual(out[i], -1);
  assert.deepEqual(transpose(out.subarray(0, rows * cols), cols, rows), a.subarray(0, rows * cols));
});

test('transposeRows gathers rows in any order (repeats too): the transpose of the gathered rows', () => {
  const cols = 6;
  const a = filled(40, cols);
  for (const order of [[], [3], [39, 0, 5, 5, 12, 7, 1, 2, 30], Array.from({ length: 17 }, (_, i) => (i * 7) % 40)]) {
    const gathered = new Float32Array(order.length * cols);
    order.forEach((row, r) => gathered.set(a.subarray(row * cols, (row + 1) * cols), r * cols));
    assert.deepEqual(
      transposeRows(a, cols, order.length, (r) => order[r]),
      transpose(gathered, order.length, cols),
      `rows ${order.join(',')}`,
    );
  }
});
