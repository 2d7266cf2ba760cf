/**
 * The head in class-contrast coordinates (head/classContrasts.ts, headFactor.ts) against references built here
 * without it: the Householder reflector Q as a dense C × C matrix, the head's Hessian in its float64 closed form, and
 * full D·C solves by a float64 Cholesky of the whole damped Hessian (no reduction).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  contrastGradientsTransposed,
  contrastRows,
  contrastWeight,
  expandHeadVector,
  projectHeadVector,
} from '../../../src/compute/head/classContrasts';
import { headFactorSolve } from '../../../src/compute/head/headFactor';
import { type HeadShape, headContrastHessian } from '../../../src/compute/head/softmaxHead';
import { choleskyInPlace, choleskySolve } from '../../../src/compute/linalg/cholesky';
import { withSplitProducts } from '../../../src/compute/parallel/matrixHelper';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';
import { fullHessian } from '../../helpers/headReference';
import { blobs } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

/** Q = I − 2uuᵀ/(uᵀu), u = e_{C−1} − 1/√C, dense (row-major C × C); Q′ is its first C − 1 columns. */
function householder(c: number): Float64Array {
  const u = new Float64Array(c).fill(-1 / Math.sqrt(c));
  u[c - 1] += 1;
  const uu = u.reduce((s, v) => s + v * v, 0);
  const q = new Float64Array(c * c);
  for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) q[a * c + b] = (a === b ? 1 : 0) - (2 * u[a] * u[b]) / uu;
  return q;
}

/** Random probabilities over c classes, some near one-hot (confident samples). */
function randomProbs(n: number, c: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const probs = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    const sharp = i % 3 === 0 ? 12 : 1.5;
    let sum = 0;
    for (let k = 0; k < c; k++) sum += probs[i * c + k] = Math.exp(sharp * normal(rng));
    for (let k = 0; k < c; k++) probs[i * c + k] /= sum;
  }
  return probs;
}

const CLASS_COUNTS = [2, 3, 10, 26];

test('Q′ is orthonormal, spans the complement of the class sums, and is the dense reflector', () => {
  for (const c of CLASS_COUNTS) {
    const q = householder(c);
    // The last column of the reflector is 1/√C.
    for (let k = 0; k < c; k++) assert.ok(Math.abs(q[k * c + c - 1] - 1 / Math.sqrt(c)) < 1e-15);
    const shape: HeadShape = { featureDim: 2, numClasses: c };
    const rng = createRng(c);
    const y = Float64Array.from({ length: 3 * (c - 1) }, () => normal(rng));
    const v = Float64Array.from({ length: 3 * c }, () => normal(rng));
    const expanded = expandHeadVector(y, shape);
    const projected = projectHeadVector(v, shape);
    for (let j = 0; j < 3; j++) {
      let sum = 0;
      for (let k = 0; k < c; k++) {
        // (Q′y)_k and (Q′ᵀv)_a from the dense matrix.
        let qy = 0;
        for (let a = 0; a < c - 1; a++) qy += q[k * c + a] * y[j * (c - 1) + a];
        assert.ok(Math.abs(expanded[j * c + k] - qy) < 1e-14, `C=${c}: Q′y`);
        sum += expanded[j * c + k];
      }
      assert.ok(Math.abs(sum) < 1e-14, `C=${c}: Q′y has a class sum`);
      for (let a = 0; a < c - 1; a++) {
        let qv = 0;
        for (let k = 0; k < c; k++) qv += q[k * c + a] * v[j * c + k];
        assert.ok(Math.abs(projected[j * (c - 1) + a] - qv) < 1e-14, `C=${c}: Q′ᵀv`);
      }
    }
    // Q′ᵀQ′ = I: projecting back what was expanded gives it again.
    const again = projectHeadVector(expanded, shape);
    for (let r = 0; r < y.length; r++) assert.ok(Math.abs(again[r] - y[r]) < 1e-14, `C=${c}: Q′ᵀQ′`);
  }
});

test('the weights A′_i equal Q′ᵀ(diag p − ppᵀ)Q′ from the dense reflector, confident samples included', () => {
  for (const c of CLASS_COUNTS) {
    const q = householder(c);
    const n = 30;
    const probs = randomProbs(n, c, 100 + c);
    const rows = contrastRows(probs, n, c);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < c - 1; a++) {
        for (let b = 0; b < c - 1; b++) {
          let expected = 0;
          for (let k = 0; k < c; k++)
            for (let l = 0; l < c; l++) {
              const entry = (k === l ? probs[i * c + k] : 0) - probs[i * c + k] * probs[i * c + l];
              expected += q[k * c + a] * entry * q[l * c + b];
            }
          worst = Math.max(worst, Math.abs(contrastWeight(rows, probs, i, a, b) - expected));
        }
      }
    }
    assert.ok(worst < 1e-14, `C=${c}: A′ off by ${worst}`);
  }
});

/** (I ⊗ Q′ᵀ)·H·(I ⊗ Q′) with the dense reflector. */
function rotated(h: Float64Array, shape: HeadShape): Float64Array {
  const c = shape.numClasses;
  const d = shape.featureDim + 1;
  const p = d * c;
  const m = d * (c - 1);
  const q = householder(c);
  // E = I ⊗ Q′ (p × m), then EᵀHE.
  const e = new Float64Array(p * m);
  for (let j = 0; j < d; j++)
    for (let k = 0; k < c; k++) for (let a = 0; a < c - 1; a++) e[(j * c + k) * m + j * (c - 1) + a] = q[k * c + a];
  const he = new Float64Array(p * m);
  for (let r = 0; r < p; r++)
    for (let t = 0; t < p; t++) {
      const v = h[r * p + t];
      if (v !== 0) for (let s = 0; s < m; s++) he[r * m + s] += v * e[t * m + s];
    }
  const out = new Float64Array(m * m);
  for (let r = 0; r < p; r++)
    for (let a = 0; a < m; a++) for (let s = 0; s < m; s++) out[a * m + s] += e[r * m + a] * he[r * m + s];
  return out;
}

test('H′ as formed equals the Q-rotated float64 Hessian (C = 2, 3, 10, 26), the same bytes on 1 and 2 threads', () => {
  for (const c of CLASS_COUNTS) {
    const shape: HeadShape = { featureDim: 3, numClasses: c };
    const data = blobs(4 * c + 20, 3, c, 7 + c, 0.1);
    const probs = randomProbs(data.n, c, 50 + c);
    const lambda = 0.3;
    const expected = rotated(fullHessian(data, shape, probs, lambda), shape);
    const one = withSplitProducts(1, (split) =>
      headContrastHessian(data, shape, probs, lambda, undefined, undefined, split),
    );
    const two = withSplitProducts(2, (split) =>
      headContrastHessian(data, shape, probs, lambda, undefined, undefined, split),
    );
    assert.deepEqual(new Uint8Array(one.buffer.slice(0)), new Uint8Array(two.buffer.slice(0)), `C=${c}: threads`);
    let scale = 0;
    let worst = 0;
    for (let r = 0; r < expected.length; r++) {
      scale = Math.max(scale, Math.abs(expected[r]));
      worst = Math.max(worst, Math.abs(one[r] - expected[r]));
    }
    // Float32 products (softmaxHead.ts), added in float64.
    assert.ok(worst <= 1e-6 * scale, `C=${c}: H′ off by ${worst} of ${scale}`);
  }
});

test('solves, influence and self-influence through the contrast factor equal full float64 solves (κ 1e4–1e10)', () => {
  const c = 4;
  const f = 5;
  const shape: HeadShape = { featureDim: f, numClasses: c };
  const p = (f + 1) * c;
  const data = blobs(80, f, c, 3, 0.1);
  const probs = randomProbs(data.n, c, 9);
  const dataPart = fullHessian(data, shape, probs, 0);
  let largest = 0;
  for (let r = 0; r < p; r++) {
    let row = 0;
    for (let t = 0; t < p; t++) row += Math.abs(dataPart[r * p + t]);
    largest = Math.max(largest, row);
  }
  const rng = createRng(5);
  for (const condition of [1e4, 1e7, 1e10]) {
    // λ sets the damped Hessian's condition number (at most `condition`: its largest eigenvalue is under `largest`).
    const lambda = largest / condition;
    const h = fullHessian(data, shape, probs, lambda);
    const full = Float64Array.from(h);
    assert.ok(choleskyInPlace(full, p));
    const reduced = rotated(h, shape);
    assert.ok(choleskyInPlace(reduced, (f + 1) * (c - 1)));
    const factor = { lower: reduced, size: (f + 1) * (c - 1), shape, classSumCurvature: lambda };
    // A general vector (class sums included): H⁻¹v.
    const v = Float64Array.from({ length: p }, () => normal(rng));
    const x = choleskySolve(full, p, v);
    const y = headFactorSolve(factor, v);
    const norm = Math.hypot(...x);
    const err = Math.hypot(...x.map((value, q) => value - y[q]));
    const bound = 1e-14 * condition;
    assert.ok(err <= bound * norm, `κ ${condition}: H⁻¹v off by ${err / norm}`);
    // Gradients have no class-sum part: influence g_tᵀH⁻¹g_i and self-influence from the reduced gradients.
    const gradients = new Float32Array((f + 1) * (c - 1) * data.n);
    contrastGradientsTransposed(data, shape, probs, 0, data.n, gradients);
    const m = (f + 1) * (c - 1);
    const fullGradient = (i: number) => {
      const g = new Float64Array(p);
      for (let j = 0; j <= f; j++)
        for (let k = 0; k < c; k++) {
          const phi = j === f ? 1 : data.phi[i * f + j];
          g[j * c + k] = phi * (probs[i * c + k] - (data.y[i] === k ? 1 : 0));
        }
      return g;
    };
    const reducedGradient = (i: number) => projectHeadVector(fullGradient(i), shape);
    // The float32 gradients exact influence whitens are these, rounded (an entry the projection's cancellation leaves
    // near zero carries the float64 rounding of the sample's largest entries).
    for (let i = 0; i < data.n; i++) {
      const g = reducedGradient(i);
      const largest = Math.max(...g.map(Math.abs));
      for (let r = 0; r < m; r++) {
        const off = Math.abs(gradients[r * data.n + i] - g[r]);
        assert.ok(off <= 6e-8 * Math.abs(g[r]) + 1e-15 * largest, `gradient ${i}, entry ${r}: off by ${off}`);
      }
    }
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let s = 0;
      for (let q = 0; q < a.length; q++) s += a[q] * b[q];
      return s;
    };
    const gt = fullGradient(0);
    const st = dot(gt, choleskySolve(full, p, gt));
    const wt = reducedGradient(0);
    for (let i = 1; i < data.n; i += 7) {
      const gi = fullGradient(i);
      const si = dot(gi, choleskySolve(full, p, gi));
      const gri = reducedGradient(i);
      const selfReduced = dot(gri, choleskySolve(reduced, m, gri));
      assert.ok(Math.abs(selfReduced - si) <= bound * si, `κ ${condition}: self-influence ${selfReduced} vs ${si}`);
      const score = dot(gt, choleskySolve(full, p, gi));
      const scoreReduced = dot(wt, choleskySolve(reduced, m, gri));
      assert.ok(Math.abs(scoreReduced - score) <= bound * Math.sqrt(st * si), `κ ${condition}: score`);
    }
  }
});
