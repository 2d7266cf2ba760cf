/**
 * The head's factor computed in place (polishHead.ts: the Hessian is not held twice) must be the same bytes as the
 * factor of a copy, its refined solves must read the same matrix from the factor's upper triangle, and the matrix
 * must come back whole for the float64 fallback and for a second polish.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dampedSolve, MIXED_PRECISION, provisionalDampedCholesky } from '../../../src/compute/linalg/fastFactor';
import { initBackend } from '../../../src/compute/tf/backend';
import { createRng, normal } from '../../../src/compute/random';

before(async () => {
  await initBackend('wasm');
});

/** A = BᵀB/n + I, exactly symmetric (the lower triangle mirrored), n above the mixed routine's minimum size. */
const N = MIXED_PRECISION.minSize + 37;
function symmetric(seed: number): Float64Array {
  const rng = createRng(seed);
  const k = 64;
  const b = Float64Array.from({ length: k * N }, () => normal(rng));
  const a = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let r = 0; r < k; r++) s += b[r * N + i] * b[r * N + j];
      a[i * N + j] = s / k + (i === j ? 1 : 0);
      a[j * N + i] = a[i * N + j];
    }
  return a;
}

function sameBytes(x: ArrayLike<number>, y: ArrayLike<number>, what: string): void {
  assert.equal(x.length, y.length, what);
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) assert.fail(`${what}: entry ${i}: ${x[i]} vs ${y[i]}`);
}

function lower(m: Float64Array): Float64Array {
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j <= i; j++) out[i * N + j] = m[i * N + j];
  return out;
}

for (const damping of [0, 1e-3]) {
  test(`in place: the same factor and the same refined solves as on a copy, and A back whole (δ ${damping})`, () => {
    const a = symmetric(3);
    const original = a.slice();
    const copy = provisionalDampedCholesky(a, N, damping).settle();
    sameBytes(a, original, 'a copy leaves A alone');
    const inPlace = provisionalDampedCholesky(a, N, damping, undefined, { inPlace: true });
    const settled = inPlace.settle();
    assert.equal(settled.precision, 'mixed');
    assert.equal(settled.factor, a, 'factored in the array it was given');
    sameBytes(lower(settled.factor), copy.factor, 'the factor');
    const rng = createRng(5);
    const b = Float64Array.from({ length: N }, () => normal(rng));
    // Refined against A read from the factor's upper triangle and the diagonal kept apart: the same sums.
    sameBytes(dampedSolve(inPlace.matrix, N, settled, b), dampedSolve(original, N, copy, b), 'the refined solve');
    sameBytes(inPlace.restore(), original, 'A made whole again');
  });
}

test('in place, a factor that fails its check falls back to float64 on A itself, which stays whole', () => {
  const a = symmetric(4);
  const original = a.slice();
  const reference = provisionalDampedCholesky(original.slice(), N, 0, undefined, { allowMixed: false }).settle();
  const tolerance = MIXED_PRECISION.tolerance;
  MIXED_PRECISION.tolerance = -1;
  try {
    const f = provisionalDampedCholesky(a, N, 0, undefined, { inPlace: true });
    const settled = f.settle();
    assert.equal(settled.precision, 'float64');
    sameBytes(settled.factor, reference.factor, 'the float64 factor');
    sameBytes(a, original, 'A, restored before the float64 factorization');
    sameBytes(f.restore(), original, 'A for a second polish');
  } finally {
    MIXED_PRECISION.tolerance = tolerance;
  }
});
