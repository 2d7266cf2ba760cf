/**
 * Φ̃ = [Φ, 1] and Φ̃ᵀ on the backend (head/biasedFeatures.ts), from an n × F matrix or from rows and columns of a wider
 * one read in place: checked entry by entry against the matrix gathered here, with the bias column.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { biasedFeatureTensors } from '../../../src/compute/head/biasedFeatures';
import { initBackend } from '../../../src/compute/tf/backend';

before(async () => {
  await initBackend('wasm');
});

const width = 9;
const source = Float32Array.from({ length: 30 * width }, (_, i) => (i % 7 === 3 ? 0 : Math.fround(Math.cos(i) * 5)));
const y = new Int32Array(30);

/** Φ̃ written out value by value: rows `rows` (or the first n) and `columns` (or all) of `source`, then a 1. */
function expected(n: number, rows?: Int32Array, columns?: Int32Array): number[][] {
  const kept = columns ? Array.from(columns) : Array.from({ length: width }, (_, j) => j);
  return Array.from({ length: n }, (_, r) => [...kept.map((j) => source[(rows ? rows[r] : r) * width + j]), 1]);
}

function check(tensors: ReturnType<typeof biasedFeatureTensors>, want: number[][]) {
  const { phiTensor, phiTTensor } = tensors;
  try {
    assert.deepEqual(phiTensor.arraySync(), want);
    assert.deepEqual(
      phiTTensor.arraySync(),
      want[0].map((_, j) => want.map((row) => row[j])),
    );
  } finally {
    phiTensor.dispose();
    phiTTensor.dispose();
  }
}

test('an n × F matrix gets its bias column', () => {
  const n = 12;
  check(
    biasedFeatureTensors({ phi: source.subarray(0, n * width), y, n }, { featureDim: width, numClasses: 3 }),
    expected(n),
  );
});

test('rows and columns of a wider matrix are read in place, in the order given', () => {
  const rows = Int32Array.from([29, 0, 4, 4, 17]);
  const columns = Int32Array.from([0, 2, 3, 8]);
  const shape = { featureDim: columns.length, numClasses: 2 };
  check(
    biasedFeatureTensors({ features: { x: source, width, n: rows.length, rows, columns }, y, n: rows.length }, shape),
    expected(rows.length, rows, columns),
  );
  // Rows alone (every column), and columns alone (the first n rows).
  check(
    biasedFeatureTensors(
      { features: { x: source, width, n: 2, rows: rows.subarray(0, 2) }, y, n: 2 },
      { featureDim: width, numClasses: 2 },
    ),
    expected(2, rows.subarray(0, 2)),
  );
  check(
    biasedFeatureTensors({ features: { x: source, width, n: 6, columns }, y, n: 6 }, shape),
    expected(6, undefined, columns),
  );
});

test('features that do not match the head or the samples are refused', () => {
  const rows = Int32Array.from([1, 2, 3]);
  assert.throws(
    () =>
      biasedFeatureTensors({ features: { x: source, width, n: 3, rows }, y, n: 3 }, { featureDim: 4, numClasses: 2 }),
    /9 columns, the head 4/,
  );
  assert.throws(
    () =>
      biasedFeatureTensors(
        { features: { x: source, width, n: 3, rows }, y, n: 4 },
        { featureDim: width, numClasses: 2 },
      ),
    /3 feature rows for 4 samples/,
  );
  assert.throws(
    () => biasedFeatureTensors({ phi: source, y, n: 31 }, { featureDim: width, numClasses: 2 }),
    /270 feature values for 31 rows of 9/,
  );
});
