import { test } from 'node:test';
import assert from 'node:assert/strict';
import { squaredDistancesFromRow } from '../../../src/compute/issues/rowDistances';
import { createRng, normal } from '../../../src/compute/random';

test('squared distances from a row: the one-reference loop’s numbers, for any count and either ref type', () => {
  const rng = createRng(3);
  const d = 37;
  const x = Float32Array.from({ length: 5 * d }, () => normal(rng));
  const refs32 = Float32Array.from({ length: 12 * d }, () => normal(rng) * 3);
  const refs64 = Float64Array.from(refs32, (v) => v + normal(rng) * 1e-9);
  for (const refs of [refs32, refs64])
    for (let count = 0; count <= 11; count++) {
      // References in a scattered order, one of them twice.
      const offsets = Int32Array.from({ length: count }, (_, c) => ((c * 7 + 3) % 12) * d);
      if (count > 5) offsets[5] = offsets[1];
      const out = new Float64Array(12).fill(-1);
      squaredDistancesFromRow(x, 2 * d, d, refs, offsets, count, out);
      for (let c = 0; c < count; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const v = x[2 * d + j] - refs[offsets[c] + j];
          s += v * v;
        }
        assert.equal(out[c], s, `reference ${c} of ${count}`);
      }
      // Nothing written past `count`.
      assert.ok(out.subarray(count).every((v) => v === -1));
    }
});
