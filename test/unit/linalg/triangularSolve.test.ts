/**
 * The whitening by a blocked triangular solve (linalg/triangularSolve.ts) against a float64 forward substitution
 * with the same factor, on damped Hessians of condition 1e4–1e10, beside the mixed-precision L⁻¹ product it
 * replaces (triangularInverse.ts invertLowerPacked, triangularProduct.ts).
 *
 * Stated bound (the module comment's): every whitened vector within 2e-5 relative (2-norm), self-influence ‖L⁻¹g‖²
 * within 2e-5 relative and scores (L⁻¹g_t)ᵀ(L⁻¹g_i) within 2e-5·‖L⁻¹g_t‖·‖L⁻¹g_i‖; and never more than four times the
 * old mixed L⁻¹ path's error on the same vectors (+1e-7).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { choleskyBlocked64, zeroUpper } from '../../../src/compute/linalg/blockedCholesky';
import { invertLowerPacked } from '../../../src/compute/linalg/triangularInverse';
import { PackedLowerProduct } from '../../../src/compute/linalg/triangularProduct';
import { LowerSolve, solveBlockStarts } from '../../../src/compute/linalg/triangularSolve';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';
import { dampedHessian } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

const P = 300;
const COLS = 24;

/** L⁻¹X by float64 forward substitution, X P × cols row-major. */
function forwardSubstitution(l: Float64Array, p: number, x: Float32Array, cols: number): Float64Array {
  const w = Float64Array.from(x);
  for (let i = 0; i < p; i++) {
    for (let k = 0; k < i; k++) {
      const lik = l[i * p + k];
      for (let c = 0; c < cols; c++) w[i * cols + c] -= lik * w[k * cols + c];
    }
    for (let c = 0; c < cols; c++) w[i * cols + c] /= l[i * p + i];
  }
  return w;
}

/** Worst relative errors of the whitened columns, their squared norms and their pairwise dot products. */
function errors(w: Float32Array, exact: Float64Array, p: number, cols: number) {
  const column = (v: ArrayLike<number>, c: number) => Float64Array.from({ length: p }, (_, i) => v[i * cols + c]);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  let vector = 0;
  let self = 0;
  let score = 0;
  for (let c = 0; c < cols; c++) {
    const [wc, ec] = [column(w, c), column(exact, c)];
    const norm2 = dot(ec, ec);
    vector = Math.max(
      vector,
      Math.sqrt(
        dot(
          wc.map((v, i) => v - ec[i]),
          wc.map((v, i) => v - ec[i]),
        ) / norm2,
      ),
    );
    self = Math.max(self, Math.abs(dot(wc, wc) - norm2) / norm2);
    for (let d = 0; d < c; d++) {
      const [wd, ed] = [column(w, d), column(exact, d)];
      score = Math.max(score, Math.abs(dot(wc, wd) - dot(ec, ed)) / Math.sqrt(norm2 * dot(ed, ed)));
    }
  }
  return { vector, self, score };
}

for (const kappa of [1e4, 1e7, 1e10]) {
  test(`the blocked solve whitens within the stated bound of float64 substitution (κ ${kappa})`, () => {
    const l = dampedHessian(P, kappa, 31);
    assert.ok(choleskyBlocked64(l, P));
    zeroUpper(l, P);
    const rng = createRng(32);
    const x = Float32Array.from({ length: P * COLS }, () => normal(rng));
    const exact = forwardSubstitution(l, P, x, COLS);
    const old = new PackedLowerProduct(invertLowerPacked(l, P, undefined, { block: 32 }), P);
    const before = errors(old.multiply(x, COLS), exact, P, COLS);
    old.dispose();
    // 64 leaves a last block of 44 rows; 300 is a single block (the whole L⁻¹ formed in float64 and rounded).
    for (const nb of [32, 64, 300]) {
      const solve = new LowerSolve(l, P, nb);
      const after = errors(solve.multiply(x, COLS), exact, P, COLS);
      solve.dispose();
      for (const key of ['vector', 'self', 'score'] as const) {
        const what = `κ=${kappa} nb=${nb} ${key}: ${after[key].toExponential(2)} (L⁻¹ path ${before[key].toExponential(2)})`;
        if (process.env.SHOW) console.log(what);
        assert.ok(after[key] <= 2e-5, what);
        assert.ok(after[key] <= 4 * before[key] + 1e-7, what);
      }
    }
  });
}

test('the solve runs in place, gives the same bytes as into another array, and reads only the lower triangle', () => {
  const l = dampedHessian(97, 1e6, 33);
  assert.ok(choleskyBlocked64(l, 97));
  // choleskyBlocked64 leaves A's strict upper triangle above L: garbage the solve must not read.
  const clean = Float64Array.from(l);
  zeroUpper(clean, 97);
  const rng = createRng(34);
  const x = Float32Array.from({ length: 97 * 5 }, () => normal(rng));
  const [dirty, zeroed] = [new LowerSolve(l, 97, 16), new LowerSolve(clean, 97, 16)];
  const apart = dirty.multiply(x, 5);
  const inPlace = zeroed.multiply(Float32Array.from(x), 5);
  const again = x.slice();
  assert.equal(zeroed.multiply(again, 5, again), again);
  dirty.dispose();
  zeroed.dispose();
  assert.ok(Buffer.from(apart.buffer).equals(Buffer.from(inPlace.buffer)));
  assert.ok(Buffer.from(apart.buffer).equals(Buffer.from(again.buffer)));
});

test('block boundaries cover 0..P in blocks of nb, the last one shorter', () => {
  assert.deepEqual(solveBlockStarts(300, 64), [0, 64, 128, 192, 256, 300]);
  assert.deepEqual(solveBlockStarts(256, 256), [0, 256]);
  assert.deepEqual(solveBlockStarts(5, 256), [0, 5]);
  assert.deepEqual(solveBlockStarts(0, 256), [0]);
});
