import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  choleskyInPlace,
  choleskySolve,
  dampedCholesky,
  invertLowerTriangular,
} from '../../../src/compute/linalg/cholesky';
import { createRng, normal } from '../../../src/compute/random';
import { gaussSolve, maxRelativeError } from '../../helpers/synthetic';

function randomSpd(n: number, seed: number, rank = n): Float64Array {
  const rng = createRng(seed);
  const b = Float64Array.from({ length: n * rank }, () => normal(rng));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += b[i * rank + k] * b[j * rank + k];
      a[i * n + j] = s + (i === j && rank === n ? 0.1 : 0);
    }
  return a;
}

test('Cholesky factor reproduces A = L·Lᵀ and is lower triangular', () => {
  const n = 23;
  const a = randomSpd(n, 1);
  const l = Float64Array.from(a);
  assert.equal(choleskyInPlace(l, n), true);
  const product = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += l[i * n + k] * l[j * n + k];
      product[i * n + j] = s;
    }
  assert.ok(maxRelativeError(product, a) < 1e-12);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0);
});

test('the inverse of L times L is the identity', () => {
  const n = 31;
  const l = randomSpd(n, 2);
  assert.ok(choleskyInPlace(l, n));
  const inv = invertLowerTriangular(l, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += inv[i * n + k] * l[k * n + j];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-10, `(${i},${j}) = ${s}`);
    }
});

test('choleskySolve agrees with Gaussian elimination', () => {
  const n = 17;
  const a = randomSpd(n, 3);
  const rng = createRng(4);
  const b = Float64Array.from({ length: n }, () => normal(rng));
  const l = Float64Array.from(a);
  assert.ok(choleskyInPlace(l, n));
  assert.ok(maxRelativeError(choleskySolve(l, n, b), gaussSolve(a, n, b)) < 1e-10);
});

test('a singular matrix is rejected, and dampedCholesky adds just enough damping', () => {
  const n = 12;
  const a = randomSpd(n, 5, 4); // rank 4
  assert.equal(choleskyInPlace(Float64Array.from(a), n), false);
  const { factor, damping } = dampedCholesky(a, n);
  assert.ok(damping > 0);
  // The factor is of A + δI.
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += factor[i * n + k] * factor[j * n + k];
      const expected = a[i * n + j] + (i === j ? damping : 0);
      assert.ok(Math.abs(s - expected) < 1e-9 * (1 + Math.abs(expected)));
    }
  const pd = randomSpd(n, 6);
  assert.equal(dampedCholesky(pd, n).damping, 0);
});
