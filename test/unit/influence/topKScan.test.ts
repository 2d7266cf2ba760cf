/**
 * The threshold-filtered top-k scan (issue 18 item 2) gives exactly what one
 * offer() per value gives — same indices, values and order, ties included —
 * on random streams with ties, zeros, few values, and lists that fill mid-row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopKTracker } from '../../../src/compute/influence/topK';
import { createRng } from '../../../src/compute/random';

test('offerRow equals one offer() per value (property, 500 random cases)', () => {
  const rng = createRng(77);
  for (let trial = 0; trial < 500; trial++) {
    const rows = 1 + Math.floor(rng() * 3);
    const k = Math.floor(rng() * 6);
    const one = new TopKTracker(rows, k);
    const scan = new TopKTracker(rows, k);
    // A few blocks per row, like the streamed train × test scores.
    for (let block = 0; block < 3; block++) {
      const count = Math.floor(rng() * 20);
      const start = block * 20;
      // Coarse values: many ties and zeros.
      const values = Float32Array.from({ length: rows * count }, () =>
        rng() < 0.1 ? 0 : Math.round((rng() - 0.5) * 8) / 2,
      );
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < count; j++) one.offer(r, start + j, values[r * count + j]);
        scan.offerRow(r, start, values, r * count, count);
      }
    }
    for (let r = 0; r < rows; r++) assert.deepEqual(scan.row(r), one.row(r), `trial ${trial} row ${r}`);
  }
});

test('two trackers taking blocks in turn, merged, equal one tracker offered every block in order (500 cases)', () => {
  const rng = createRng(78);
  for (let trial = 0; trial < 500; trial++) {
    const rows = 1 + Math.floor(rng() * 3);
    const k = Math.floor(rng() * 6);
    const one = new TopKTracker(rows, k);
    const parts = [new TopKTracker(rows, k), new TopKTracker(rows, k)];
    // Blocks go to either tracker at random (as two threads take them from a counter), each in increasing order.
    for (let block = 0; block < 6; block++) {
      const count = Math.floor(rng() * 12);
      const start = block * 12;
      // Coarse values: many ties (across the two trackers too) and zeros.
      const values = Float32Array.from({ length: rows * count }, () =>
        rng() < 0.1 ? 0 : Math.round((rng() - 0.5) * 6) / 2,
      );
      const part = parts[rng() < 0.5 ? 0 : 1];
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < count; j++) one.offer(r, start + j, values[r * count + j]);
        part.offerRow(r, start, values, r * count, count);
      }
    }
    parts[0].merge(parts[1]);
    for (let r = 0; r < rows; r++) assert.deepEqual(parts[0].row(r), one.row(r), `trial ${trial} row ${r}`);
  }
});
