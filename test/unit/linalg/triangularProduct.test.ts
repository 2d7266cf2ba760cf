import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { packLower } from '../../../src/compute/linalg/packedLower';
import { PackedLowerProduct, triangularBlockCount } from '../../../src/compute/linalg/triangularProduct';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

before(async () => {
  await initBackend('wasm');
});

/**
 * M·X in float64 over the lower triangle of M only, and Σ|m||x| per entry: float32 summation of a P-term dot
 * product is within P·2⁻²⁴·Σ|m||x| of it (the standard bound, γ_P).
 */
function reference(x: Float32Array, cols: number, m: Float64Array, p: number) {
  const exact = new Float64Array(p * cols);
  const magnitude = new Float64Array(p * cols);
  for (let j = 0; j < p; j++) {
    for (let c = 0; c < cols; c++) {
      let s = 0;
      let a = 0;
      for (let i = 0; i <= j; i++) {
        s += m[j * p + i] * x[i * cols + c];
        a += Math.abs(m[j * p + i] * x[i * cols + c]);
      }
      exact[j * cols + c] = s;
      magnitude[j * cols + c] = a;
    }
  }
  return { exact, magnitude };
}

for (const [p, cols, blocks] of [
  [7, 5, 3],
  [200, 33, 4],
  [901, 17, triangularBlockCount(901)],
  [64, 10, 1],
] as const) {
  test(`M·X skipping M's zero half equals the float64 product over the lower triangle (P ${p}, ${blocks} blocks)`, () => {
    const rng = createRng(p);
    // Entries above the diagonal are garbage: the product must take them as zero.
    const m = Float64Array.from({ length: p * p }, () => normal(rng));
    const x = Float32Array.from({ length: p * cols }, () => normal(rng));
    const product = new PackedLowerProduct(packLower(m, p), p, blocks);
    const w = product.multiply(x, cols);
    product.dispose();
    const { exact, magnitude } = reference(x, cols, m, p);
    assert.equal(w.length, p * cols);
    for (let q = 0; q < w.length; q++) {
      // γ_P·Σ|m||x| with P·2⁻²⁴, plus the rounding of M to float32 (2⁻²⁴·Σ|m||x|).
      const bound = (p + 1) * 2 ** -24 * magnitude[q];
      assert.ok(Math.abs(w[q] - exact[q]) <= bound, `entry ${q}: ${w[q]} vs ${exact[q]} (bound ${bound})`);
    }
  });
}

test('the block count grows with P and stays between 1 and 8', () => {
  assert.equal(triangularBlockCount(10), 1);
  assert.ok(triangularBlockCount(3354) > triangularBlockCount(1000));
  assert.equal(triangularBlockCount(100000), 8);
});
