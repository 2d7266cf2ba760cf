/**
 * The factor check η = ‖L⁻¹AL⁻ᵀ − I‖₂ (factorDeviation, operatorDeviation: 12 power steps) against an independent
 * float64 reference: F = L⁻¹AL⁻ᵀ − I formed densely and its eigenvalues by cyclic Jacobi rotations, on matrices of
 * known spectrum with κ = 1e4…1e10 and factors that are off by float32 rounding (mixed precision) or by a
 * perturbation of A. Power iteration approaches ‖F‖₂ from below: the estimate never exceeds it (beyond rounding),
 * and after 12 steps it is within the stated factor of it. The packed form the engine uses (A's upper triangle
 * above L in one array, packedFactorDeviation) gives the same η to rounding.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { choleskyInPlace, solveLower } from '../../../src/compute/linalg/cholesky';
import { choleskyMixed, zeroUpper } from '../../../src/compute/linalg/blockedCholesky';
import {
  factorDeviation,
  lanczosDeviation,
  operatorDeviation,
  packedFactorDeviation,
} from '../../../src/compute/linalg/factorChecks';
import { initBackend } from '../../../src/compute/tf/backend';
import { createRng, normal } from '../../../src/compute/random';
import { geometricSpectrum, jacobiEigen, symmetricWithSpectrum } from '../solvers/denseReference';

before(async () => {
  await initBackend('wasm');
});

const N = 61;

/** F = L⁻¹·A·L⁻ᵀ − I, dense, by float64 forward solves (symmetrised). */
function deviationMatrix(a: Float64Array, l: Float64Array, n: number): Float64Array {
  // X = L⁻¹A column by column, then F = L⁻¹Xᵀ (= L⁻¹AL⁻ᵀ, A symmetric).
  const x = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const column = solveLower(
      l,
      n,
      Float64Array.from({ length: n }, (_, i) => a[i * n + j]),
    );
    for (let i = 0; i < n; i++) x[i * n + j] = column[i];
  }
  const f = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const column = solveLower(l, n, x.subarray(j * n, (j + 1) * n));
    for (let i = 0; i < n; i++) f[i * n + j] = column[i];
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) f[i * n + j] = f[j * n + i] = (f[i * n + j] + f[j * n + i]) / 2;
    f[i * n + i] -= 1;
  }
  return f;
}

/** Largest |eigenvalue| of a symmetric matrix (cyclic Jacobi rotations). */
function spectralNorm(s: Float64Array, n: number): number {
  return Math.max(...jacobiEigen(s, n).values.map(Math.abs));
}

/** A factor of A + E, E random symmetric of size `relative`·λmin(A): ‖F‖ ≈ `relative` whatever κ is. */
function perturbedFactor(a: Float64Array, n: number, kappa: number, relative: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const l = Float64Array.from(a);
  const scale = relative / kappa / Math.sqrt(n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const e = scale * normal(rng);
      l[i * n + j] += e;
      if (j !== i) l[j * n + i] += e;
    }
  assert.ok(choleskyInPlace(l, n));
  return l;
}

/** Power iteration's 12 steps reach at least this share of ‖F‖₂ on these cases (measured: 0.925 to 0.996). */
const REACHED = 0.9;

test('η never exceeds the dense ‖L⁻¹AL⁻ᵀ − I‖₂ and reaches most of it, κ = 1e4…1e10', () => {
  const cases: { name: string; kappa: number; a: Float64Array; l: Float64Array; packedEta?: number }[] = [];
  for (const kappa of [1e4, 1e6, 1e8, 1e10]) {
    // Eigenvalues from 1/κ to 1, evenly in log, under a random rotation.
    const a = symmetricWithSpectrum(geometricSpectrum(N, 1 / kappa, 1), 3);
    for (const relative of [1e-4, 1e-2]) {
      cases.push({ name: `perturbed ${relative}`, kappa, a, l: perturbedFactor(a, N, kappa, relative, 7) });
    }
    if (kappa <= 1e6) {
      // float32 trailing updates: ‖F‖ ≈ κ·2⁻²⁴ (small blocks, so the float32 products carry most of the work).
      // Factored as fastFactor.ts does, keeping A above the diagonal for packedFactorDeviation.
      const packed = Float64Array.from(a);
      assert.ok(choleskyMixed(packed, N, undefined, { block: 8, chunk: 6 }, undefined, true));
      const diagonal = Float64Array.from({ length: N }, (_, i) => a[i * N + i]);
      const packedEta = packedFactorDeviation(packed, diagonal, N);
      const l = Float64Array.from(packed);
      zeroUpper(l, N);
      cases.push({ name: 'mixed', kappa, a, l, packedEta });
    }
  }
  for (const { name, kappa, a, l, packedEta } of cases) {
    const exact = spectralNorm(deviationMatrix(a, l, N), N);
    const eta = factorDeviation(a, l, N);
    const product = (x: Float64Array, out: Float64Array) => {
      for (let i = 0; i < N; i++) {
        let s = 0;
        for (let k = 0; k < N; k++) s += a[i * N + k] * x[k];
        out[i] = s;
      }
    };
    const etaOperator = operatorDeviation(product, l, N);
    const what = `${name}, κ = ${kappa}: η = ${eta}, ‖F‖₂ = ${exact}`;
    assert.ok(exact > 1e-9, `${what}: the factor is exact, the test checks nothing`);
    // Rounding of the reference and of the steps: κ·ε relative to ‖F‖'s terms (the solves), far below ‖F‖ here.
    const rounding = kappa * 1e-15;
    assert.ok(eta <= exact * (1 + 1e-6) + rounding, `${what}: the estimate exceeds the norm`);
    assert.ok(eta >= REACHED * exact, `${what}: the estimate reached only ${eta / exact} of the norm`);
    assert.ok(Math.abs(etaOperator - eta) <= 1e-9 * eta + rounding, `${what}: operatorDeviation ${etaOperator}`);
    // The packed form (A above L in one array) sums A·x in another order: the same η to rounding (κ·ε).
    if (packedEta !== undefined) assert.ok(Math.abs(packedEta - eta) <= rounding, `${what}: packed ${packedEta}`);
  }
});

/** The one-row-at-a-time passes the four-row ones replaced, written out as the reference for their bytes. */
const plain = {
  forward(l: Float64Array, n: number, x: Float64Array): void {
    for (let i = 0; i < n; i++) {
      let sum = x[i];
      for (let k = 0; k < i; k++) sum -= l[i * n + k] * x[k];
      x[i] = sum / l[i * n + i];
    }
  },
  backward(l: Float64Array, n: number, x: Float64Array): void {
    for (let i = n - 1; i >= 0; i--) {
      x[i] /= l[i * n + i];
      for (let k = 0; k < i; k++) x[k] -= l[i * n + k] * x[i];
    }
  },
  upperTimes(u: Float64Array, diagonal: Float64Array, n: number, x: Float64Array, out: Float64Array): void {
    for (let i = 0; i < n; i++) out[i] = diagonal[i] * x[i];
    for (let i = 0; i < n; i++) {
      let s = out[i];
      for (let k = i + 1; k < n; k++) {
        s += u[i * n + k] * x[k];
        out[k] += u[i * n + k] * x[i];
      }
      out[i] = s;
    }
  },
  /** operatorDeviation's power steps, each estimate kept. */
  deviations(apply: (x: Float64Array, out: Float64Array) => void, l: Float64Array, n: number, steps: number) {
    let v = Float64Array.from({ length: n }, (_, i) => Math.sin(1 + 1.7 * i) + 0.5);
    normaliseInPlace(v);
    const y = new Float64Array(n);
    let estimate = 0;
    for (let s = 0; s < steps; s++) {
      const u = Float64Array.from(v);
      plain.backward(l, n, u);
      apply(u, y);
      plain.forward(l, n, y);
      for (let i = 0; i < n; i++) y[i] -= v[i];
      estimate = Math.max(estimate, normaliseInPlace(y));
      v = Float64Array.from(y);
    }
    return estimate;
  },
};

function normaliseInPlace(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  const norm = Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i] /= norm;
  return norm;
}

test('the four-row triangular passes give the bytes of the one-row loops, every remainder of four', () => {
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 37, 64, 66]) {
    const a = symmetricWithSpectrum(geometricSpectrum(n, 1e-3, 1), n);
    // A mixed factor in one array with A above it, as the engine checks it (fastFactor.ts).
    const packed = Float64Array.from(a);
    assert.ok(choleskyMixed(packed, n, undefined, { block: 8, chunk: 6 }, undefined, true));
    const diagonal = Float64Array.from({ length: n }, (_, i) => a[i * n + i]);
    const steps = 5;
    const want = plain.deviations((x, out) => plain.upperTimes(packed, diagonal, n, x, out), packed, n, steps);
    const got = packedFactorDeviation(packed, diagonal, n, steps);
    assert.ok(want > 0, `n = ${n}: the check has something to measure`);
    assert.ok(Object.is(got, want), `n = ${n}: packed η ${got}, the one-row loops' ${want}`);
    const l = Float64Array.from(packed);
    zeroUpper(l, n);
    const product = (x: Float64Array, out: Float64Array) => plain.upperTimes(packed, diagonal, n, x, out);
    assert.ok(Object.is(operatorDeviation(product, l, n, steps), want), `n = ${n}: operator η`);
  }
});

/**
 * Lanczos with 9 products (and one to measure its Ritz vector) against 12 power steps, the η the polish reported
 * before: measured on these cases at 0.95–1.01× of the power estimate with 6 products, 1.000–1.076× with 8 (where
 * power iteration stopped at 0.93 of ‖F‖₂, Lanczos reached it); the polish takes 9, as 8 fell 0.8% short on MNIST.
 */
test('Lanczos η in 9 products (+1) never reports less than 12 power steps, nor more than the dense ‖F‖₂', () => {
  let gained = 0;
  for (const kappa of [1e4, 1e6, 1e8, 1e10]) {
    const a = symmetricWithSpectrum(geometricSpectrum(N, 1 / kappa, 1), 3);
    const factors: [string, Float64Array][] = [1e-4, 1e-2].map((relative, k) => [
      `perturbed ${relative}`,
      perturbedFactor(a, N, kappa, relative, 7 + k),
    ]);
    if (kappa <= 1e6) {
      const l = Float64Array.from(a);
      assert.ok(choleskyMixed(l, N, undefined, { block: 8, chunk: 6 }));
      zeroUpper(l, N);
      factors.push(['mixed', l]);
    }
    const product = (x: Float64Array, out: Float64Array) => {
      for (let i = 0; i < N; i++) {
        let s = 0;
        for (let k = 0; k < N; k++) s += a[i * N + k] * x[k];
        out[i] = s;
      }
    };
    for (const [name, l] of factors) {
      const exact = spectralNorm(deviationMatrix(a, l, N), N);
      const power = operatorDeviation(product, l, N, 12);
      const lanczos = lanczosDeviation(product, l, N, 9);
      const what = `${name}, κ = ${kappa}: Lanczos ${lanczos}, power ${power}, ‖F‖₂ = ${exact}`;
      const rounding = kappa * 1e-15;
      assert.ok(lanczos >= power - rounding, `${what}: below the power estimate`);
      assert.ok(lanczos <= exact * (1 + 1e-6) + rounding, `${what}: exceeds the norm`);
      assert.ok(lanczos >= 0.99 * exact, `${what}: reached only ${lanczos / exact} of the norm`);
      gained = Math.max(gained, lanczos / power);
    }
  }
  // Cases where 12 power steps fall well short, so the comparison above can fail.
  assert.ok(gained > 1.05, `Lanczos never beat the power estimate by 5% (${gained}): the cases are too easy`);
});
