/**
 * The blocked and mixed-precision factorisations (issue 18 item 1) against the
 * float64 unblocked routines and Gaussian elimination, on damped Hessians
 * A = BᵀDB + λI built in float64 with condition numbers 1e4–1e10.
 *
 * Stated bounds (what these tests hold the fast paths to):
 * - float64 blocked Cholesky and L⁻¹: backward error ‖LLᵀ − A‖/‖A‖ ≤ 1e-14, L⁻¹ equal to the
 *   unblocked one within 1e-12 of its largest entry, solves equal within 1e-9 relative at κ ≤ 1e10·(float64 rounding
 *   κ·ε).
 * - mixed precision: accepted only when the measured η = ‖L⁻¹AL⁻ᵀ − I‖₂ ≤ 1e-4; then every quadratic
 *   form gᵀ(LLᵀ)⁻¹g (a self-influence) is within η/(1−η) of gᵀA⁻¹g, and refined solves reach 1e-10.
 *   The mixed factor, when it does not break down: backward error ‖L̂L̂ᵀ − A‖max/‖A‖max ≤ 2e-6 (float32 rounding
 *   class; measured 1.2e-7–5.5e-7 at n = 203 and 900). The mixed L⁻¹: within 2e-6 of the largest entry of the
 *   float64 inverse (measured 1.9e-7–8e-7).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  choleskyInPlace,
  choleskySolve,
  dampedCholesky,
  invertLowerTriangular,
} from '../../../src/compute/linalg/cholesky';
import { choleskyBlocked64, choleskyMixed, diagonalInverse } from '../../../src/compute/linalg/blockedCholesky';
import { invertLowerBlocked } from '../../../src/compute/linalg/triangularInverse';
import { factorDeviation, refinedCholeskySolve } from '../../../src/compute/linalg/factorChecks';
import { fastDampedCholesky, dampedSolve, MIXED_PRECISION } from '../../../src/compute/linalg/fastFactor';
import { initBackend } from '../../../src/compute/tf/backend';
import { CancelledError } from '../../../src/compute/errors';
import { createRng, normal } from '../../../src/compute/random';
import { dampedHessian, gaussSolve, multiply } from '../../helpers/synthetic';

function backwardError(a: Float64Array, l: Float64Array, n: number): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k <= j; k++) s += l[i * n + k] * l[j * n + k];
      diff = Math.max(diff, Math.abs(s - a[i * n + j]));
      norm = Math.max(norm, Math.abs(a[i * n + j]));
    }
  }
  return diff / norm;
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}

function quadratic(g: Float64Array, x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * x[i];
  return s;
}

function isLowerTriangular(l: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (l[i * n + j] !== 0) return false;
  return true;
}

const KAPPAS = [1e4, 1e6, 1e8, 1e10];
// n not a multiple of the tile (4) nor of the blocks, so every edge of the blocking runs.
const N = 203;

test('float64 blocked Cholesky: backward error ≤ 1e-14 and solves equal to Gaussian elimination, κ = 1e4…1e10', () => {
  for (const kappa of KAPPAS) {
    const a = dampedHessian(N, kappa, 1);
    for (const block of [16, 64]) {
      const l = Float64Array.from(a);
      assert.ok(choleskyBlocked64(l, N, undefined, { block }), `κ=${kappa}`);
      assert.ok(isLowerTriangular(l, N));
      assert.ok(backwardError(a, l, N) <= 1e-14, `κ=${kappa} block=${block}: ${backwardError(a, l, N)}`);
      const b = Float64Array.from({ length: N }, (_, i) => Math.cos(i));
      const x = choleskySolve(l, N, b);
      const ref = gaussSolve(a, N, b);
      const scale = Math.max(...ref.map(Math.abs));
      const err = Math.max(...x.map((v, i) => Math.abs(v - ref[i]))) / scale;
      // Both are backward stable: forward errors of order κ·ε, relative to the solution.
      assert.ok(err <= kappa * 1e-15, `κ=${kappa}: solve error ${err}`);
    }
  }
});

test('float64 blocked Cholesky reports an indefinite matrix like the unblocked one', () => {
  const a = dampedHessian(N, 1e4, 2);
  a[150 * N + 150] = -1;
  assert.equal(choleskyBlocked64(Float64Array.from(a), N, undefined, { block: 32 }), false);
  assert.equal(choleskyInPlace(Float64Array.from(a), N), false);
});

test('blocked L⁻¹ (float64) equals the unblocked inverse within 1e-12 of its largest entry', () => {
  for (const kappa of [1e4, 1e10]) {
    const l = Float64Array.from(dampedHessian(N, kappa, 3));
    assert.ok(choleskyInPlace(l, N));
    const reference = invertLowerTriangular(l, N);
    const largest = maxAbs(reference);
    for (const block of [16, 64]) {
      const x = invertLowerBlocked(l, N, false, undefined, { block });
      const err = maxAbs(x.map((v, i) => v - reference[i]));
      assert.ok(err <= 1e-12 * largest, `κ=${kappa} block=${block}: ${err / largest}`);
    }
  }
});

test("mixed routines: float64 diagonal blocks give the unblocked routines' bits (same order of terms)", async () => {
  await initBackend('wasm');
  for (const n of [N, 64, 7]) {
    const a = dampedHessian(n, 1e6, 21);
    const unblocked = Float64Array.from(a);
    assert.ok(choleskyInPlace(unblocked, n));
    // One block spanning the matrix: choleskyMixed is then its diagonal block's factorization alone.
    const tiled = Float64Array.from(a);
    assert.ok(choleskyMixed(tiled, n, undefined, { block: n }));
    assert.ok(Buffer.from(tiled.buffer).equals(Buffer.from(unblocked.buffer)), `n=${n}: factor bits differ`);
    // The block's inverse, here the whole L's, in a row stride wider than the block as inside the routines.
    const wide = new Float64Array((n + 5) * (n + 5));
    for (let i = 0; i < n; i++) wide.set(unblocked.subarray(i * n, i * n + i + 1), (i + 5) * (n + 5) + 5);
    const inverse = diagonalInverse(wide, n + 5, 5, n, new Float64Array(n * n));
    const reference = invertLowerTriangular(unblocked, n);
    assert.ok(Buffer.from(inverse.buffer).equals(Buffer.from(reference.buffer)), `n=${n}: inverse bits differ`);
  }
});

test('mixed precision: factor deviation η bounds every quadratic form gᵀ(LLᵀ)⁻¹g against float64 gᵀA⁻¹g', async () => {
  await initBackend('wasm');
  for (const kappa of [1e4, 1e6]) {
    const a = dampedHessian(N, kappa, 4);
    const l = Float64Array.from(a);
    assert.ok(choleskyMixed(l, N, undefined, { block: 48, chunk: 40 }), `κ=${kappa}`);
    assert.ok(isLowerTriangular(l, N));
    const eta = factorDeviation(a, l, N);
    assert.ok(eta > 0 && eta < 0.5, `κ=${kappa}: η=${eta}`);
    const reference = Float64Array.from(a);
    assert.ok(choleskyInPlace(reference, N));
    const rng = createRng(5);
    let worst = 0;
    for (let trial = 0; trial < 20; trial++) {
      const g = Float64Array.from({ length: N }, () => normal(rng));
      const exact = quadratic(g, gaussSolve(a, N, g));
      const mixed = quadratic(g, choleskySolve(l, N, g));
      worst = Math.max(worst, Math.abs(mixed - exact) / exact);
    }
    assert.ok(worst <= eta / (1 - eta), `κ=${kappa}: error ${worst} > η/(1−η) with η=${eta}`);
    // Refinement against A turns the mixed factor into float64-accurate solves.
    const b = Float64Array.from({ length: N }, (_, i) => Math.sin(i + 1));
    const x = refinedCholeskySolve(a, l, N, b, 8);
    const ref = gaussSolve(a, N, b);
    const scale = Math.max(...ref.map(Math.abs));
    const err = Math.max(...x.map((v, i) => Math.abs(v - ref[i]))) / scale;
    assert.ok(err <= Math.max(1e-10, kappa * 1e-15), `κ=${kappa}: refined solve error ${err}`);
  }
});

/** Small blocks and chunks (every edge of the blocking at N = 203), and the default sizes. */
const MIXED_SIZES = [{ block: 16, chunk: 24 }, { block: 48, chunk: 1000 }, {}];

test('mixed Cholesky: backward error of float32 rounding class (≤ 2e-6), κ = 1e4…1e10', async () => {
  await initBackend('wasm');
  for (const kappa of KAPPAS) {
    const a = dampedHessian(N, kappa, 12);
    for (const sizes of MIXED_SIZES) {
      const l = Float64Array.from(a);
      const ok = choleskyMixed(l, N, undefined, sizes);
      // A breakdown (the float32 products lost the smallest eigenvalues) is allowed only where κ·2⁻²⁴ ≳ 1: the
      // caller then factors in float64 (fastDampedCholesky).
      if (!ok) {
        assert.ok(kappa >= 1e8, `κ=${kappa} ${JSON.stringify(sizes)}: breakdown`);
        continue;
      }
      assert.ok(isLowerTriangular(l, N));
      const err = backwardError(a, l, N);
      assert.ok(err <= 2e-6, `κ=${kappa} ${JSON.stringify(sizes)}: backward error ${err}`);
    }
  }
});

test("mixed L⁻¹ is within 2e-6 of the float64 inverse's largest entry, κ = 1e4…1e10", async () => {
  await initBackend('wasm');
  for (const kappa of KAPPAS) {
    const l = Float64Array.from(dampedHessian(N, kappa, 13));
    assert.ok(choleskyInPlace(l, N));
    const reference = invertLowerTriangular(l, N);
    const largest = maxAbs(reference);
    for (const sizes of MIXED_SIZES) {
      const x = invertLowerBlocked(l, N, true, undefined, sizes);
      assert.ok(isLowerTriangular(x, N));
      const err = maxAbs(x.map((v, i) => v - reference[i])) / largest;
      assert.ok(err <= 2e-6, `κ=${kappa} ${JSON.stringify(sizes)}: ${err}`);
    }
  }
});

test('mixed L⁻¹ whitens like the float64 inverse: quadratic forms within 1e-6 at κ = 1e6', async () => {
  await initBackend('wasm');
  const l = Float64Array.from(dampedHessian(N, 1e6, 6));
  assert.ok(choleskyInPlace(l, N));
  const reference = invertLowerTriangular(l, N);
  const x = invertLowerBlocked(l, N, true, undefined, { block: 32 });
  const rng = createRng(7);
  for (let trial = 0; trial < 10; trial++) {
    const g = Float64Array.from({ length: N }, () => normal(rng));
    const w0 = multiply(reference, N, g);
    const w1 = multiply(x, N, g);
    const s0 = quadratic(w0, w0);
    const s1 = quadratic(w1, w1);
    assert.ok(Math.abs(s1 - s0) / s0 <= 1e-6, `${Math.abs(s1 - s0) / s0}`);
  }
});

test(
  'fastDampedCholesky keeps mixed precision only within tolerance and ' + 'otherwise factors in float64, same damping',
  async () => {
    await initBackend('wasm');
    const n = MIXED_PRECISION.minSize + 5;
    const seen = new Set<string>();
    for (const kappa of [1e3, 1e10]) {
      const a = dampedHessian(n, kappa, 8);
      const fast = fastDampedCholesky(a, n);
      seen.add(fast.precision);
      assert.equal(fast.damping, 0);
      if (fast.precision === 'mixed') assert.ok(fast.deviation <= MIXED_PRECISION.tolerance);
      else assert.ok(backwardError(a, fast.factor, n) <= 1e-14);
      // Solves through dampedSolve are float64-accurate either way.
      const b = Float64Array.from({ length: n }, (_, i) => Math.cos(3 * i));
      const x = dampedSolve(a, n, fast, b);
      const residual = multiply(a, n, x).map((v, i) => v - b[i]);
      // Backward stable: the residual is float64 rounding of A·x, ‖r‖ ≤ c·ε·‖A‖·‖x‖.
      const rel = Math.hypot(...residual) / (maxAbs(a) * Math.hypot(...x));
      assert.ok(rel <= 1e-13, `κ=${kappa}: residual ${rel}`);
    }
    // κ = 1e3 meets the tolerance in mixed precision; κ = 1e10 cannot (η ≈ κ·2⁻²⁴ ≫ 1e-4).
    assert.deepEqual([...seen].sort(), ['float64', 'mixed']);
  },
);

test('fastDampedCholesky adds the same damping as dampedCholesky to a singular matrix', async () => {
  await initBackend('wasm');
  const n = 40;
  const rng = createRng(9);
  const b = Float64Array.from({ length: n * 10 }, () => normal(rng)); // rank 10
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) for (let k = 0; k < 10; k++) a[i * n + j] += b[i * 10 + k] * b[j * 10 + k];
  const slow = dampedCholesky(a, n);
  const fast = fastDampedCholesky(a, n);
  assert.ok(slow.damping > 0);
  assert.equal(fast.damping, slow.damping);
});

/** A signal that reports "aborted" from its `after`-th check on, counting the checks. */
function countingSignal(after: number): {
  signal: AbortSignal;
  checks: () => number;
} {
  let count = 0;
  const base = new AbortController().signal;
  const signal = new Proxy(base, {
    get(target, key) {
      if (key === 'aborted') return ++count >= after;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { signal, checks: () => count };
}

test('every blocked kernel checks for cancellation once per block and stops at the check', async () => {
  await initBackend('wasm');
  const a = dampedHessian(N, 1e4, 10);
  const l = Float64Array.from(a);
  assert.ok(choleskyInPlace(l, N));
  const block = 32;
  const blocks = Math.ceil(N / block);
  const kernels: [string, (s: AbortSignal) => unknown][] = [
    ['choleskyBlocked64', (s) => choleskyBlocked64(Float64Array.from(a), N, s, { block })],
    ['choleskyMixed', (s) => choleskyMixed(Float64Array.from(a), N, s, { block, chunk: 1000 })],
    ['invertLowerBlocked float64', (s) => invertLowerBlocked(l, N, false, s, { block })],
    ['invertLowerBlocked mixed', (s) => invertLowerBlocked(l, N, true, s, { block })],
    ['factorDeviation', (s) => factorDeviation(a, l, N, blocks, s)],
  ];
  for (const [name, run] of kernels) {
    const never = countingSignal(Infinity);
    run(never.signal);
    assert.ok(never.checks() >= blocks, `${name}: ${never.checks()} checks for ${blocks} blocks`);
    const third = countingSignal(3);
    assert.throws(() => run(third.signal), CancelledError, name);
    assert.equal(third.checks(), 3, name);
  }
});

test(
  'dampedSolve refines a mixed factor of A + δI against A + δI (the ' + 'damping is part of the refined system)',
  async () => {
    await initBackend('wasm');
    const a = dampedHessian(N, 1e3, 11);
    const damping = 0.5 * a[0];
    const shifted = Float64Array.from(a);
    for (let i = 0; i < N; i++) shifted[i * N + i] += damping;
    const l = Float64Array.from(shifted);
    assert.ok(choleskyMixed(l, N, undefined, { block: 40 }));
    const b = Float64Array.from({ length: N }, (_, i) => Math.sin(2 * i));
    const x = dampedSolve(
      a,
      N,
      {
        factor: l,
        damping,
        precision: 'mixed',
        deviation: factorDeviation(shifted, l, N),
      },
      b,
    );
    const residual = multiply(shifted, N, x).map((v, i) => v - b[i]);
    const rel = Math.hypot(...residual) / (maxAbs(shifted) * Math.hypot(...x));
    assert.ok(rel <= 1e-14, `residual ${rel}`);
  },
);
