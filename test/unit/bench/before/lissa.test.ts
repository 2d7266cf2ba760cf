import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, normal, type Rng } from '../../../../src/compute/random';
import { lissa } from '../../../../bench/before/lissa';
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

test('LiSSA converges without hand-tuning where scale = 1 diverges (λ_max = 500)', () => {
  const n = 30;
  const h = symmetricWithSpectrum(geometricSpectrum(n, 5, 500), 11);
  const b = randomVector(n, 12);
  const exact = gaussSolve(h, n, b);

  const auto = lissa(denseHvp(h, n), b, { tolerance: 1e-9 });
  assert.ok(auto.report.converged && auto.report.stable, JSON.stringify(auto.report));
  assert.equal(auto.report.restarts, 0, 'the Lanczos estimate sets a working scale up front');
  assert.ok(auto.report.scale > 250, `scale ${auto.report.scale} must exceed λ_max/2`);
  assert.equal(auto.report.dampingRaised, false);
  assert.ok(maxRelativeError(auto.x, exact) < 1e-6, `auto ${maxRelativeError(auto.x, exact)}`);

  // Koh & Liang's fixed scale = 1 would diverge: the monitor catches it and rescales.
  const handScaled = lissa(denseHvp(h, n), b, { scale: 1, tolerance: 1e-9 });
  assert.ok(handScaled.report.restarts >= 1);
  assert.ok(
    handScaled.report.adjustments.every((a) => a.reason === 'scale-too-small'),
    JSON.stringify(handScaled.report.adjustments),
  );
  assert.ok(handScaled.report.scale > 250);
  assert.ok(handScaled.report.converged);
  assert.ok(maxRelativeError(handScaled.x, exact) < 1e-6);
});

test('LiSSA on an ill-conditioned SPD system (κ = 1e3) matches the exact solve to 1e-4', () => {
  const n = 40;
  const h = symmetricWithSpectrum(geometricSpectrum(n, 0.02, 20), 13);
  const b = randomVector(n, 14);
  const { x, report } = lissa(denseHvp(h, n), b, { tolerance: 1e-8, depth: 30000 });
  assert.ok(report.converged && report.stable, JSON.stringify(report));
  assert.ok(report.relativeResidual <= 1e-8);
  assert.ok(maxRelativeError(x, gaussSolve(h, n, b)) < 1e-4, `error ${maxRelativeError(x, gaussSolve(h, n, b))}`);
});

test('LiSSA on an indefinite matrix raises damping, reports it, and matches (H + δI)⁻¹b for that δ', () => {
  const n = 30;
  const spectrum = geometricSpectrum(n, 1, 50);
  spectrum[0] = -2;
  const h = symmetricWithSpectrum(spectrum, 15);
  const b = randomVector(n, 16);
  const { x, report } = lissa(denseHvp(h, n), b, { damping: 0.01, tolerance: 1e-10, depth: 40000 });
  assert.ok(report.converged && report.stable, JSON.stringify(report));
  assert.ok(report.dampingRaised);
  assert.equal(report.initialDamping, 0.01);
  assert.ok(report.damping > 2, `damping ${report.damping} must exceed −λ_min = 2`);
  assert.ok(report.adjustments.some((a) => a.reason === 'negative-curvature'));
  const exact = gaussSolve(addDiagonal(h, n, report.damping), n, b);
  assert.ok(maxRelativeError(x, exact) < 1e-4, `error ${maxRelativeError(x, exact)}`);
});

test('LiSSA catches negative curvature mid-run when no spectrum estimate was made (scale given)', () => {
  const n = 25;
  const spectrum = geometricSpectrum(n, 1, 20);
  spectrum[0] = -0.5;
  const h = symmetricWithSpectrum(spectrum, 17);
  const b = randomVector(n, 18);
  const { x, report } = lissa(denseHvp(h, n), b, { scale: 20, tolerance: 1e-10, depth: 40000 });
  assert.ok(report.converged && report.stable, JSON.stringify(report));
  assert.ok(report.restarts >= 1);
  assert.equal(report.adjustments[0].reason, 'negative-curvature');
  assert.ok(report.damping > 0.5);
  assert.ok(maxRelativeError(x, gaussSolve(addDiagonal(h, n, report.damping), n, b)) < 1e-4);
});

test('LiSSA on the real softmax-head Hessian (λ_max ≫ 1) needs no tuning', () => {
  const problem = headProblem(0.01);
  const p = problem.size;
  const g = randomVector(p, 19);
  const { x, report } = lissa(problem.hvp, g, { tolerance: 1e-9, depth: 40000 });
  assert.ok(report.converged && report.stable, JSON.stringify(report));
  assert.ok(report.scale > 1);
  // The dense reference is built from float32 blocks: agreement is limited to ~1e-6·κ.
  assert.ok(
    maxRelativeError(x, gaussSolve(problem.hessian, p, g)) < 1e-4,
    `error ${maxRelativeError(x, gaussSolve(problem.hessian, p, g))}`,
  );
});

/** H = Σᵢ aᵢaᵢᵀ + λI over "samples" aᵢ, with a mini-batch estimate scaled by n/B. */
function perSampleProblem(samples: number, dim: number, l2: number, seed: number) {
  const rng = createRng(seed);
  const a = Array.from({ length: samples }, () => Float64Array.from({ length: dim }, () => normal(rng)));
  const h = new Float64Array(dim * dim);
  for (const ai of a) for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) h[i * dim + j] += ai[i] * ai[j];
  for (let i = 0; i < dim; i++) h[i * dim + i] += l2;
  const batch = 16;
  const sampleHvp = (v: Float64Array, r: Rng) => {
    const out = Float64Array.from(v, (vi) => l2 * vi);
    for (let k = 0; k < batch; k++) {
      const ai = a[Math.floor(r() * samples)];
      let d = 0;
      for (let i = 0; i < dim; i++) d += ai[i] * v[i];
      for (let i = 0; i < dim; i++) out[i] += (samples / batch) * d * ai[i];
    }
    return out;
  };
  return { h, sampleHvp };
}

test('stochastic LiSSA (mini-batch HVPs) is finite, stable, seeded-deterministic and close to the exact solve', () => {
  const dim = 8;
  const { h, sampleHvp } = perSampleProblem(64, dim, 20, 21);
  const b = randomVector(dim, 22);
  const options = { sampleHvp, depth: 1500, repeats: 4, seed: 3 };
  const first = lissa(denseHvp(h, dim), b, options);
  const second = lissa(denseHvp(h, dim), b, options);
  assert.deepEqual(first.x, second.x, 'same seed, same answer');
  assert.ok(first.report.stable && first.report.stochastic);
  assert.ok(first.x.every(Number.isFinite));
  assert.ok(first.report.relativeResidual < 0.05, `relative residual ${first.report.relativeResidual}`);
  assert.ok(
    maxRelativeError(first.x, gaussSolve(h, dim, b)) < 0.05,
    `error ${maxRelativeError(first.x, gaussSolve(h, dim, b))}`,
  );

  // A hopeless hand-picked scale still ends stable.
  const rescued = lissa(denseHvp(h, dim), b, { ...options, scale: 1 });
  assert.ok(rescued.report.stable && rescued.report.restarts >= 1 && rescued.x.every(Number.isFinite));
  assert.ok(rescued.report.relativeResidual < 0.05, `relative residual ${rescued.report.relativeResidual}`);
});

test('LiSSA returns 0 for b = 0 without any HVP', () => {
  const { x, report } = lissa(() => assert.fail('no HVP expected'), new Float64Array(4));
  assert.ok(x.every((v) => v === 0) && report.converged && report.hvpCalls === 0);
});

test('a broken HVP (NaN) is an error, not a silent answer', () => {
  const nan = (v: Float64Array) => v.map(() => Number.NaN);
  assert.throws(() => lissa(nan, Float64Array.of(1, 2)), /NaN/);
  assert.throws(() => lissa(nan, Float64Array.of(1, 2), { scale: 3 }), /NaN/);
  assert.throws(() => lissa(denseHvp(Float64Array.of(1, 0, 0, 1), 2), Float64Array.of(1, 2), { scale: 0 }), /positive/);
});
