import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, permutation } from '../../../../src/compute/random';
import { conjugateGradient } from '../../../../bench/before/conjugateGradient';
import { frozenSubsetSolve, generalizedInfluenceSolve } from '../../../../bench/before/generalizedInfluence';
import { initBackend } from '../../../../src/compute/tf/backend';
import { gaussSolve, maxRelativeError } from '../../../helpers/synthetic';
import {
  addDiagonal,
  denseHvp,
  geometricSpectrum,
  normalEquations,
  pseudoInverseSolve,
  randomVector,
  submatrix,
  symmetricWithSpectrum,
} from '../../solvers/denseReference';
import { headProblem } from '../../solvers/headProblem';

before(async () => {
  await initBackend('wasm');
});

function randomSubset(size: number, count: number, seed: number): Int32Array {
  return Int32Array.from(permutation(size, createRng(seed)).subarray(0, count)).sort();
}

const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/** Dense reference: x = (MᵀM)⁻¹Mᵀg with M = (H+δI)[:, J], by Gaussian elimination. */
function denseGif(h: Float64Array, n: number, g: Float64Array, subset: Int32Array, damping = 0): Float64Array {
  const m = submatrix(addDiagonal(h, n, damping), n, all(n), subset);
  const { ata, atb } = normalEquations(m, n, subset.length, g);
  return gaussSolve(ata, subset.length, atb);
}

test('GIF least-squares solution matches the dense normal-equation solve for a random J', () => {
  const n = 24;
  const h = symmetricWithSpectrum(geometricSpectrum(n, 0.5, 10), 31);
  const g = randomVector(n, 32);
  const subset = randomSubset(n, 8, 33);
  const { x, report } = generalizedInfluenceSolve(denseHvp(h, n), g, subset, { tolerance: 1e-12 });
  assert.ok(report.converged, JSON.stringify(report));
  assert.equal(x.length, subset.length);
  assert.ok(
    maxRelativeError(x, denseGif(h, n, g, subset)) < 1e-8,
    `error ${maxRelativeError(x, denseGif(h, n, g, subset))}`,
  );
  assert.ok(report.relativeResidual > 0.1, 'a subset cannot cancel all of g: the misfit stays');
  assert.equal(report.hvpCalls, 2 * report.iterations + 3);

  const damped = generalizedInfluenceSolve(denseHvp(h, n), g, subset, { tolerance: 1e-12, damping: 0.7 });
  assert.ok(maxRelativeError(damped.x, denseGif(h, n, g, subset, 0.7)) < 1e-8);
});

test('GIF with J = all parameters is the ordinary inverse (H + δI)⁻¹g', () => {
  const n = 18;
  const h = symmetricWithSpectrum(geometricSpectrum(n, 1, 20), 34);
  const g = randomVector(n, 35);
  const gif = generalizedInfluenceSolve(denseHvp(h, n), g, all(n), { tolerance: 1e-13, damping: 0.1 });
  const exact = gaussSolve(addDiagonal(h, n, 0.1), n, g);
  assert.ok(maxRelativeError(gif.x, exact) < 1e-8);
  assert.ok(gif.report.relativeResidual < 1e-8);
  const cg = conjugateGradient(denseHvp(h, n), g, { tolerance: 1e-13, damping: 0.1 });
  assert.ok(
    maxRelativeError(frozenSubsetSolve(denseHvp(h, n), g, all(n), { tolerance: 1e-13, damping: 0.1 }).x, cg.x) < 1e-10,
  );
});

test('GIF on a rank-deficient H[:, J] returns the minimum-norm least-squares solution (pseudo-inverse)', () => {
  const n = 16;
  const spectrum = geometricSpectrum(n, 1, 8).map((v, i) => (i < 10 ? 0 : v)); // rank 6
  const h = symmetricWithSpectrum(spectrum, 36);
  const g = randomVector(n, 37);
  const subset = randomSubset(n, 10, 38); // 10 columns of a rank-6 matrix
  const { x, report } = generalizedInfluenceSolve(denseHvp(h, n), g, subset, { tolerance: 1e-12 });
  const m = submatrix(h, n, all(n), subset);
  const { ata, atb } = normalEquations(m, n, subset.length, g);
  const expected = pseudoInverseSolve(ata, subset.length, atb);
  assert.ok(report.normalResidual < 1e-10, JSON.stringify(report));
  assert.ok(maxRelativeError(x, expected) < 1e-6, `error ${maxRelativeError(x, expected)}`);
});

test('frozen-subset solve matches inv(H_JJ)·g_J and differs from GIF', () => {
  const n = 24;
  const h = symmetricWithSpectrum(geometricSpectrum(n, 0.5, 10), 39);
  const g = randomVector(n, 40);
  const subset = randomSubset(n, 9, 41);
  const { x, report } = frozenSubsetSolve(denseHvp(h, n), g, subset, { tolerance: 1e-13 });
  assert.ok(report.converged);
  const expected = gaussSolve(
    submatrix(h, n, subset, subset),
    subset.length,
    Float64Array.from(subset, (j) => g[j]),
  );
  assert.ok(maxRelativeError(x, expected) < 1e-9);
  assert.ok(
    maxRelativeError(x, denseGif(h, n, g, subset)) > 1e-3,
    'the two subset estimators answer different questions',
  );
});

test('GIF and frozen subset on the real softmax-head Hessian', () => {
  const problem = headProblem(0.01);
  const p = problem.size;
  const g = randomVector(p, 42);
  const subset = randomSubset(p, 6, 43);
  const hvp = denseHvp(problem.hessian, p);
  const gif = generalizedInfluenceSolve(hvp, g, subset, { tolerance: 1e-12 });
  assert.ok(maxRelativeError(gif.x, denseGif(problem.hessian, p, g, subset)) < 1e-7);
  // The closed-form HVP agrees to the float32 accuracy of the dense Hessian.
  const closed = generalizedInfluenceSolve(problem.hvp, g, subset, { tolerance: 1e-12 });
  assert.ok(maxRelativeError(closed.x, gif.x) < 1e-4);
  const frozen = frozenSubsetSolve(hvp, g, subset, { tolerance: 1e-12 });
  const expected = gaussSolve(
    submatrix(problem.hessian, p, subset, subset),
    subset.length,
    Float64Array.from(subset, (j) => g[j]),
  );
  assert.ok(maxRelativeError(frozen.x, expected) < 1e-8);
});

test('subset indices are checked', () => {
  const h = new Float64Array([2, 0, 0, 2]);
  assert.throws(() => generalizedInfluenceSolve(denseHvp(h, 2), new Float64Array(2), Int32Array.of(2)), /outside/);
  assert.throws(() => frozenSubsetSolve(denseHvp(h, 2), new Float64Array(2), Int32Array.of(-1)), /outside/);
});
