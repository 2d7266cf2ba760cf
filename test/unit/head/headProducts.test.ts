/**
 * The tiled products (headProducts.ts) behind headProbabilities and headObjective must give the bytes of the plain
 * per-sample loops they replaced: the default fit's probabilities and its polish run through them, and the
 * detection results must not move. The plain loops are written out here as the reference, and run on shapes that
 * leave remainders in every tile (n, C and D not multiples of 4 or 2, n past one block of samples) with ReLU-like
 * features (many exact zeros, which the plain loops skip).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type HeadData,
  type HeadShape,
  headHessianVectorProduct,
  headObjective,
  headProbabilities,
} from '../../../src/compute/head/softmaxHead';
import { createRng, normal } from '../../../src/compute/random';

function reluData(n: number, f: number, c: number, seed: number): HeadData {
  const rng = createRng(seed);
  const phi = Float32Array.from({ length: n * f }, () => Math.max(0, 2 * normal(rng) - 0.5));
  // A dead feature (zero for every sample) as a trained ReLU layer has them.
  for (let i = 0; i < n; i++) phi[i * f + (f - 1)] = 0;
  return { phi, y: Int32Array.from({ length: n }, () => Math.floor(rng() * c)), n };
}

/** The plain loops: probabilities (bias first, then φ_ij·W[j, :] skipping zeros) and the summed objective. */
function plainObjective(data: HeadData, shape: HeadShape, l2: number, w: Float64Array) {
  const { featureDim: f, numClasses: c } = shape;
  const probs = new Float64Array(data.n * c);
  const logits = new Float64Array(c);
  for (let i = 0; i < data.n; i++) {
    for (let k = 0; k < c; k++) logits[k] = w[f * c + k];
    for (let j = 0; j < f; j++) {
      const v = data.phi[i * f + j];
      if (v === 0) continue;
      for (let k = 0; k < c; k++) logits[k] += v * w[j * c + k];
    }
    let max = -Infinity;
    for (let k = 0; k < c; k++) if (logits[k] > max) max = logits[k];
    let sum = 0;
    for (let k = 0; k < c; k++) {
      const e = Math.exp(logits[k] - max);
      probs[i * c + k] = e;
      sum += e;
    }
    for (let k = 0; k < c; k++) probs[i * c + k] /= sum;
  }
  const residual = Float64Array.from(probs);
  const grad = new Float64Array(w.length);
  let value = 0;
  for (let p = 0; p < w.length; p++) {
    value += 0.5 * l2 * w[p] * w[p];
    grad[p] = l2 * w[p];
  }
  for (let i = 0; i < data.n; i++) {
    value -= Math.log(Math.max(residual[i * c + data.y[i]], 1e-300));
    residual[i * c + data.y[i]] -= 1;
    for (let j = 0; j < f; j++) {
      const v = data.phi[i * f + j];
      if (v === 0) continue;
      for (let k = 0; k < c; k++) grad[j * c + k] += v * residual[i * c + k];
    }
    for (let k = 0; k < c; k++) grad[f * c + k] += residual[i * c + k];
  }
  return { probs, value, grad };
}

function sameBytes(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length, what);
  const differ = a.findIndex((v, q) => !Object.is(v, b[q]));
  assert.equal(differ, -1, `${what}: entry ${differ} is ${a[differ]}, the plain loop's ${b[differ]}`);
}

test('tiled head products: the bytes of the plain loops, with remainders in every tile and zero features', () => {
  for (const [n, f, c] of [
    [203, 6, 3],
    [64, 9, 4],
    [37, 13, 5],
    [5, 2, 2],
    [3, 1, 7],
    [150, 40, 10],
    // More samples than one block of the gradient (256), the last block partial.
    [601, 7, 3],
  ]) {
    const shape = { featureDim: f, numClasses: c };
    const data = reluData(n, f, c, n + f + c);
    const rng = createRng(f * c);
    const w = Float64Array.from({ length: (f + 1) * c }, () => 0.7 * normal(rng));
    const l2 = 0.37;
    const plain = plainObjective(data, shape, l2, w);
    sameBytes(headProbabilities(data, shape, w), plain.probs, `probabilities ${n}×${f}×${c}`);
    const objective = headObjective(data, shape, l2);
    const grad = new Float64Array(w.length);
    // Twice: the transposed features are made on the first call and kept.
    for (let call = 0; call < 2; call++) {
      assert.ok(Object.is(objective.evaluate(w, grad), plain.value), `value ${n}×${f}×${c}`);
      sameBytes(grad, plain.grad, `gradient ${n}×${f}×${c}`);
    }
  }
});

/** The plain Hessian-vector product loops (per sample: u = Vᵀφ̃ skipping zero features, S, then Φ̃ᵀ·S). */
function plainHessianVectorProduct(data: HeadData, shape: HeadShape, probs: Float64Array, l2: number, v: Float64Array) {
  const { featureDim: f, numClasses: c } = shape;
  const out = new Float64Array(v.length);
  for (let q = 0; q < v.length; q++) out[q] = l2 * v[q];
  const u = new Float64Array(c);
  for (let i = 0; i < data.n; i++) {
    for (let k = 0; k < c; k++) u[k] = v[f * c + k];
    for (let j = 0; j < f; j++) {
      const x = data.phi[i * f + j];
      if (x === 0) continue;
      for (let k = 0; k < c; k++) u[k] += x * v[j * c + k];
    }
    let pu = 0;
    for (let k = 0; k < c; k++) pu += probs[i * c + k] * u[k];
    for (let k = 0; k < c; k++) u[k] = probs[i * c + k] * (u[k] - pu);
    for (let j = 0; j < f; j++) {
      const x = data.phi[i * f + j];
      if (x === 0) continue;
      for (let k = 0; k < c; k++) out[j * c + k] += x * u[k];
    }
    for (let k = 0; k < c; k++) out[f * c + k] += u[k];
  }
  return out;
}

test('Hessian-vector product through the tiled products: the bytes of the plain loops', () => {
  for (const [n, f, c] of [
    [203, 6, 3],
    [37, 13, 5],
    [3, 1, 7],
    [150, 40, 10],
    [601, 7, 3],
  ]) {
    const shape = { featureDim: f, numClasses: c };
    const data = reluData(n, f, c, 3 * n + f + c);
    const rng = createRng(f + c);
    const w = Float64Array.from({ length: (f + 1) * c }, () => 0.7 * normal(rng));
    const v = Float64Array.from({ length: (f + 1) * c }, () => normal(rng));
    const probs = headProbabilities(data, shape, w);
    sameBytes(
      headHessianVectorProduct(data, shape, probs, 0.37, v),
      plainHessianVectorProduct(data, shape, probs, 0.37, v),
      `H·v ${n}×${f}×${c}`,
    );
    // Without the L2 term (the helper's half of the polish's products) a dead feature's entries are exact zeros,
    // whose sign is the one departure (headProducts.ts): equal as numbers.
    const got = headHessianVectorProduct(data, shape, probs, 0, v);
    const want = plainHessianVectorProduct(data, shape, probs, 0, v);
    assert.ok(
      got.every((x, q) => x === want[q]),
      `H·v without L2 ${n}×${f}×${c}`,
    );
    assert.ok(
      want.slice((f - 1) * c, f * c).every((x) => x === 0),
      'the dead feature has zero entries',
    );
  }
});
