import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { conjugateGradient, conjugateGradientMany } from '../../../../bench/before/conjugateGradient';
import { initBackend } from '../../../../src/compute/tf/backend';
import { gaussSolve, maxRelativeError } from '../../../helpers/synthetic';
import {
  addDiagonal,
  denseHvp,
  geometricSpectrum,
  randomVector,
  symmetricWithSpectrum,
} from '../../solvers/denseReference';
import { headProblem } from '../../solvers/headProblem';

before(async () => {
  await initBackend('wasm');
});

test('CG solves an SPD system (κ = 1e3) to 1e-8 relative error against Gaussian elimination', () => {
  const n = 40;
  const h = symmetricWithSpectrum(geometricSpectrum(n, 0.1, 100), 1);
  const b = randomVector(n, 2);
  const { x, report } = conjugateGradient(denseHvp(h, n), b, { tolerance: 1e-12, maxIterations: 400 });
  assert.ok(report.converged, JSON.stringify(report));
  assert.equal(report.negativeCurvature, false);
  assert.ok(report.relativeResidual <= 1e-12);
  assert.ok(maxRelativeError(x, gaussSolve(h, n, b)) < 1e-8, `error ${maxRelativeError(x, gaussSolve(h, n, b))}`);
});

test('CG with damping solves (H + δI)x = b for a singular PSD H', () => {
  const n = 20;
  const spectrum = geometricSpectrum(n, 1, 50).map((v, i) => (i < 5 ? 0 : v));
  const h = symmetricWithSpectrum(spectrum, 3);
  const b = randomVector(n, 4);
  const { x, report } = conjugateGradient(denseHvp(h, n), b, { damping: 0.3, tolerance: 1e-12 });
  assert.ok(report.converged);
  assert.equal(report.damping, 0.3);
  assert.ok(maxRelativeError(x, gaussSolve(addDiagonal(h, n, 0.3), n, b)) < 1e-9);
});

test(
  'CG reports negative curvature on an indefinite matrix, and raising ' +
    'damping as suggested ends in the damped solution',
  () => {
    const n = 30;
    const spectrum = geometricSpectrum(n, 0.5, 40);
    spectrum[0] = -3;
    spectrum[1] = -0.2;
    const h = symmetricWithSpectrum(spectrum, 5);
    const b = randomVector(n, 6);
    const first = conjugateGradient(denseHvp(h, n), b, { tolerance: 1e-10 });
    assert.equal(first.report.negativeCurvature, true);
    assert.equal(first.report.converged, false);
    assert.ok(first.report.curvature! <= 0);
    assert.ok(first.report.curvature! >= -3 - 1e-9, 'a Rayleigh quotient cannot lie below λ_min');
    assert.ok(first.report.suggestedDamping! > 0);
    assert.ok(first.x.every(Number.isFinite));

    // The documented caller loop: raise damping to the suggestion until CG stops complaining.
    let damping = 0;
    let result = first;
    for (let attempt = 0; attempt < 20 && result.report.negativeCurvature; attempt++) {
      damping = result.report.suggestedDamping!;
      result = conjugateGradient(denseHvp(h, n), b, { damping, tolerance: 1e-12 });
    }
    assert.ok(result.report.converged, JSON.stringify(result.report));
    assert.ok(damping > 3, `damping ${damping} must exceed −λ_min = 3`);
    assert.ok(maxRelativeError(result.x, gaussSolve(addDiagonal(h, n, damping), n, b)) < 1e-8);
  },
);

test(
  'CG on the real softmax-head Hessian: dense operator to 1e-8, ' +
    'closed-form HVP to the float32 accuracy of the dense reference',
  () => {
    const problem = headProblem(0.01);
    const p = problem.size;
    const g = randomVector(p, 7);
    const exact = gaussSolve(problem.hessian, p, g);
    const dense = conjugateGradient(denseHvp(problem.hessian, p), g, { tolerance: 1e-13, maxIterations: 500 });
    assert.ok(dense.report.converged);
    assert.ok(maxRelativeError(dense.x, exact) < 1e-8, `dense ${maxRelativeError(dense.x, exact)}`);
    const closed = conjugateGradient(problem.hvp, g, { tolerance: 1e-12, maxIterations: 500 });
    assert.ok(closed.report.converged);
    assert.ok(maxRelativeError(closed.x, exact) < 1e-4, `closed form ${maxRelativeError(closed.x, exact)}`);
  },
);

test('CG: warm start, several right-hand sides, b = 0', () => {
  const n = 15;
  const h = symmetricWithSpectrum(geometricSpectrum(n, 1, 10), 8);
  const bs = [randomVector(n, 9), randomVector(n, 10)];
  const results = conjugateGradientMany(denseHvp(h, n), bs, { tolerance: 1e-12 });
  results.forEach((r, i) => assert.ok(maxRelativeError(r.x, gaussSolve(h, n, bs[i])) < 1e-9));
  const warm = conjugateGradient(denseHvp(h, n), bs[0], { tolerance: 1e-12, x0: results[0].x });
  assert.equal(warm.report.iterations, 0, 'an exact warm start needs no step');
  assert.equal(warm.report.hvpCalls, 1, 'only the residual check');
  const zero = conjugateGradient(denseHvp(h, n), new Float64Array(n));
  assert.ok(zero.x.every((v) => v === 0) && zero.report.converged && zero.report.hvpCalls === 0);
});

test('CG flags a NaN-producing HVP instead of returning it', () => {
  const { x, report } = conjugateGradient((v) => v.map(() => Number.NaN), Float64Array.of(1, 2, 3));
  assert.equal(report.nonFinite, true);
  assert.equal(report.converged, false);
  assert.ok(x.every(Number.isFinite));
});
