import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateSpectrum, lanczosEigen } from '../../../src/compute/solvers/lanczosEigen';
import { lowRankInverseBilinearForm, lowRankInverseQuadraticForm } from '../../../src/compute/solvers/lowRank';
import { tridiagonalEigen } from '../../../src/compute/solvers/tridiagonalEigen';
import { initBackend } from '../../../src/compute/tf/backend';
import { gaussSolve } from '../../helpers/synthetic';
import {
  addDiagonal,
  denseHvp,
  geometricSpectrum,
  jacobiEigen,
  matVec,
  randomVector,
  symmetricWithSpectrum,
} from './denseReference';
import { headProblem } from './headProblem';

before(async () => {
  await initBackend('wasm');
});

function dot(a: Float64Array, b: Float64Array): number {
  return a.reduce((s, v, i) => s + v * b[i], 0);
}

/** The k reference eigenvalues in the order lanczosEigen reports them. */
function topReference(values: Float64Array, k: number, which: 'magnitude' | 'largest'): number[] {
  const sorted = Array.from(values);
  if (which === 'largest') sorted.sort((a, b) => b - a);
  else sorted.sort((a, b) => Math.abs(b) - Math.abs(a));
  return sorted.slice(0, k);
}

test('tridiagonal QR eigenvalues and vectors match the Jacobi reference', () => {
  const m = 25;
  const d = randomVector(m, 51);
  const e = randomVector(m - 1, 52);
  e[7] = 0; // a split into blocks
  const dense = new Float64Array(m * m);
  for (let i = 0; i < m; i++) dense[i * m + i] = d[i];
  for (let i = 0; i < m - 1; i++) dense[i * m + i + 1] = dense[(i + 1) * m + i] = e[i];
  const { values, vectors } = tridiagonalEigen(d, e);
  const reference = jacobiEigen(dense, m).values;
  values.forEach((v, j) => assert.ok(Math.abs(v - reference[j]) < 1e-12, `λ${j}: ${v} vs ${reference[j]}`));
  for (let j = 0; j < m; j++) {
    const vec = Float64Array.from({ length: m }, (_, i) => vectors[i * m + j]);
    const residual = matVec(dense, m, vec).map((v, i) => v - values[j] * vec[i]);
    assert.ok(Math.sqrt(dot(residual, residual)) < 1e-12);
    assert.ok(Math.abs(dot(vec, vec) - 1) < 1e-12);
  }
  assert.deepEqual(Array.from(tridiagonalEigen(d, e, false).values), Array.from(values));
});

test('Lanczos top-k eigenpairs of an indefinite matrix match the Jacobi reference to 1e-6', () => {
  const n = 80;
  const spectrum = randomVector(n, 53).map((v) => 3 * v); // mixed signs, distinct
  const h = symmetricWithSpectrum(Array.from(spectrum), 54);
  const reference = jacobiEigen(h, n).values;
  for (const which of ['magnitude', 'largest'] as const) {
    const k = 6;
    const eig = lanczosEigen(denseHvp(h, n), n, k, { which, seed: 1 });
    assert.ok(eig.converged, `${which}: ${Array.from(eig.residuals)}`);
    const expected = topReference(reference, k, which);
    eig.values.forEach((v, j) => assert.ok(Math.abs(v - expected[j]) < 1e-6, `${which} λ${j}: ${v} vs ${expected[j]}`));
    eig.vectors.forEach((vec, j) => {
      const residual = matVec(h, n, vec).map((v, i) => v - eig.values[j] * vec[i]);
      assert.ok(Math.sqrt(dot(residual, residual)) < 1e-6);
      eig.vectors.forEach((other, l) => assert.ok(Math.abs(dot(vec, other) - (j === l ? 1 : 0)) < 1e-8));
    });
  }
});

test('Lanczos finds repeated eigenvalues (restarts in the orthogonal complement) and the softmax-head spectrum', () => {
  const n = 30;
  const spectrum = geometricSpectrum(n, 0.1, 1).map((v, i) => (i >= n - 3 ? 10 : i >= n - 5 ? 5 : v));
  const h = symmetricWithSpectrum(spectrum, 55);
  const eig = lanczosEigen(denseHvp(h, n), n, 5, { which: 'largest' });
  [10, 10, 10, 5, 5].forEach((v, j) => assert.ok(Math.abs(eig.values[j] - v) < 1e-6, `λ${j} = ${eig.values[j]}`));

  const problem = headProblem(0.01);
  const reference = jacobiEigen(problem.hessian, problem.size).values;
  const head = lanczosEigen(problem.hvp, problem.size, 4, { which: 'largest' });
  const expected = topReference(reference, 4, 'largest');
  // The dense reference carries float32 rounding (~1e-7 relative).
  head.values.forEach((v, j) =>
    assert.ok(Math.abs(v - expected[j]) < 1e-5 * expected[0], `head λ${j}: ${v} vs ${expected[j]}`),
  );
});

test('estimateSpectrum brackets the spectrum from inside and is close at the ends', () => {
  const n = 60;
  const spectrum = geometricSpectrum(n, 1, 200);
  spectrum[0] = -4;
  const h = symmetricWithSpectrum(spectrum, 56);
  const est = estimateSpectrum(denseHvp(h, n), n, { damping: 1, steps: 25 });
  assert.ok(est.min >= -3 - 1e-9 && est.max <= 201 + 1e-9, 'Ritz values lie inside [λ_min, λ_max]');
  assert.ok(Math.abs(est.max - 201) < 1e-3 * 201);
  assert.ok(est.min < 0, 'the negative eigenvalue is seen');
  assert.ok(est.lower <= est.min && est.upper >= est.max);
  assert.equal(est.hvpCalls, 25);
});

test(
  'low-rank inverse quadratic form: exact with k = P, the ' + 'rank-k-plus-damping model with the complement term',
  () => {
    const n = 20;
    const h = symmetricWithSpectrum(geometricSpectrum(n, 0.5, 50), 57);
    const g = randomVector(n, 58);
    const t = randomVector(n, 59);
    const damping = 0.2;
    const full = lanczosEigen(denseHvp(h, n), n, n);
    const exact = dot(g, gaussSolve(addDiagonal(h, n, damping), n, g));
    assert.ok(Math.abs(lowRankInverseQuadraticForm(full, damping, g) - exact) < 1e-8 * exact);
    const cross = dot(t, gaussSolve(addDiagonal(h, n, damping), n, g));
    assert.ok(Math.abs(lowRankInverseBilinearForm(full, damping, t, g) - cross) < 1e-8 * Math.abs(exact));

    // k < P: the projection keeps Σ (vᵀg)²/(λ+δ); the complement term adds ‖g − VVᵀg‖²/δ,
    // which together are exactly gᵀ(H_k + δI)⁻¹g for H_k = VΛVᵀ.
    const k = 5;
    const top = lanczosEigen(denseHvp(h, n), n, k, { which: 'largest' });
    const hk = new Float64Array(n * n);
    top.vectors.forEach((v, j) => {
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) hk[a * n + b] += top.values[j] * v[a] * v[b];
    });
    const model = dot(g, gaussSolve(addDiagonal(hk, n, damping), n, g));
    assert.ok(
      Math.abs(lowRankInverseQuadraticForm(top, damping, g, { includeComplement: true }) - model) < 1e-8 * model,
    );
    const projected = lowRankInverseQuadraticForm(top, damping, g);
    const manual = top.vectors.reduce((s, v, j) => s + dot(v, g) ** 2 / (top.values[j] + damping), 0);
    assert.ok(Math.abs(projected - manual) < 1e-12 * manual);
    assert.ok(projected < model);

    assert.throws(
      () => lowRankInverseQuadraticForm({ values: Float64Array.of(-1), vectors: [g] }, 0.5, g),
      /raise the damping/,
    );
    assert.throws(() => lowRankInverseQuadraticForm(top, 0, g, { includeComplement: true }), /damping > 0/);
  },
);
