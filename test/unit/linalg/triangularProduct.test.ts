import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LowerTransposeProduct, triangularBlockCount } from '../../../src/compute/linalg/triangularProduct';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

before(async () => {
  await initBackend('wasm');
});

/**
 * G·Mᵀ in float64 over the lower triangle of M only, and Σ|g||m| per entry: float32 summation of a P-term dot
 * product is within P·2⁻²⁴·Σ|g||m| of it (the standard bound, γ_P).
 */
function reference(g: Float32Array, rows: number, m: Float64Array, p: number) {
  const exact = new Float64Array(rows * p);
  const magnitude = new Float64Array(rows * p);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      let a = 0;
      for (let i = 0; i <= j; i++) {
        s += g[r * p + i] * m[j * p + i];
        a += Math.abs(g[r * p + i] * m[j * p + i]);
      }
      exact[r * p + j] = s;
      magnitude[r * p + j] = a;
    }
  }
  return { exact, magnitude };
}

for (const [p, rows, blocks] of [
  [7, 5, 3],
  [200, 33, 4],
  [901, 17, triangularBlockCount(901)],
  [64, 10, 1],
] as const) {
  test(`G·Mᵀ skipping the zero half equals the float64 product over the lower triangle (P ${p}, ${blocks} blocks)`, () => {
    const rng = createRng(p);
    // Entries above the diagonal are garbage: the product must take them as zero.
    const m = Float64Array.from({ length: p * p }, () => normal(rng));
    const g = Float32Array.from({ length: rows * p }, () => normal(rng));
    const product = new LowerTransposeProduct(m, p, blocks);
    const w = product.multiply(g, rows);
    product.dispose();
    const { exact, magnitude } = reference(g, rows, m, p);
    assert.equal(w.length, rows * p);
    for (let q = 0; q < w.length; q++) {
      // γ_P·Σ|g||m| with P·2⁻²⁴, plus the rounding of M to float32 (2⁻²⁴·Σ|g||m|).
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
