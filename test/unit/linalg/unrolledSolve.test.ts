/**
 * unrolledCholeskySolve does choleskySolve's operations in choleskySolve's order, four rows at a time: the same
 * bytes for every size (remainders of 1–3 rows at both ends), and the solution of the system (an independent
 * float64 reference, Gaussian elimination).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choleskyInPlace, choleskySolve } from '../../../src/compute/linalg/cholesky';
import { unrolledCholeskySolve } from '../../../src/compute/linalg/unrolledSolve';
import { createRng, normal } from '../../../src/compute/random';
import { gaussSolve } from '../../helpers/synthetic';

/** A random SPD matrix B·Bᵀ + n·I. */
function spd(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const b = Float64Array.from({ length: n * n }, () => normal(rng));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
      a[i * n + j] = s;
    }
  return a;
}

test('unrolled Cholesky solve: the bytes of choleskySolve, and the solution', () => {
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 64, 101]) {
    const a = spd(n, n);
    const l = Float64Array.from(a);
    assert.ok(choleskyInPlace(l, n));
    const rng = createRng(1000 + n);
    const b = Float64Array.from({ length: n }, () => normal(rng));
    const x = unrolledCholeskySolve(l, n, b);
    const plain = choleskySolve(l, n, b);
    const differ = x.findIndex((v, q) => !Object.is(v, plain[q]));
    assert.equal(differ, -1, `n = ${n}: entry ${differ} is ${x[differ]}, choleskySolve's ${plain[differ]}`);
    const reference = gaussSolve(a, n, b);
    const error = Math.max(...x.map((v, q) => Math.abs(v - reference[q])));
    assert.ok(error <= 1e-12 * Math.max(...reference.map(Math.abs)), `n = ${n}: error ${error}`);
  }
});
