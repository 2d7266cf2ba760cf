import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFastHeadObjective, softmaxResidual } from '../../../src/compute/head/fastHeadObjective';
import { fitHead } from '../../../src/compute/head/fitHead';
import { type HeadData, type HeadShape, headObjective } from '../../../src/compute/head/softmaxHead';
import { initBackend } from '../../../src/compute/tf/backend';
import { blobs, gaussSolve, maxRelativeError } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

function scaled(data: HeadData, factor: number): HeadData {
  return { ...data, phi: Float32Array.from(data.phi, (v) => v * factor) };
}

/** The float64 optimum by Newton's method with the Hessian written out here (Σ x̃x̃ᵀ ⊗ (diag p − ppᵀ) + l2·I). */
function newtonOptimum(data: HeadData, shape: HeadShape, l2: number): Float64Array {
  const f = shape.featureDim;
  const c = shape.numClasses;
  const d = f + 1;
  const p = d * c;
  const objective = headObjective(data, shape, l2);
  const w = new Float64Array(p);
  const grad = new Float64Array(p);
  for (let step = 0; step < 50; step++) {
    objective.evaluate(w, grad);
    if (Math.sqrt(grad.reduce((s, g) => s + g * g, 0)) < 1e-11 * data.n) break;
    const hessian = new Float64Array(p * p);
    for (let q = 0; q < p; q++) hessian[q * p + q] = l2;
    for (let i = 0; i < data.n; i++) {
      const x = Array.from({ length: d }, (_, j) => (j < f ? data.phi[i * f + j] : 1));
      const logits = Array.from({ length: c }, (_, k) => x.reduce((s, xj, j) => s + xj * w[j * c + k], 0));
      const top = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - top));
      const sum = e.reduce((s, v) => s + v, 0);
      const probs = e.map((v) => v / sum);
      for (let a = 0; a < d; a++)
        for (let k = 0; k < c; k++)
          for (let b = 0; b < d; b++)
            for (let m = 0; m < c; m++)
              hessian[(a * c + k) * p + b * c + m] += x[a] * x[b] * ((k === m ? probs[k] : 0) - probs[k] * probs[m]);
    }
    const delta = gaussSolve(hessian, p, grad);
    for (let q = 0; q < p; q++) w[q] -= delta[q];
  }
  return w;
}

test('the fast objective equals the float64 objective to float32 precision, also where logits are large', () => {
  const shape = { featureDim: 6, numClasses: 5 };
  const p = 7 * 5;
  for (const factor of [1, 40]) {
    const data = scaled(blobs(300, 6, 5, 3, 0.1), factor);
    const w = Float64Array.from({ length: p }, (_, q) => 0.2 * Math.sin(q + 1));
    const exactGrad = new Float64Array(p);
    const exact = headObjective(data, shape, 2).evaluate(w, exactGrad);
    const fast = createFastHeadObjective(data, shape, 2);
    const grad = new Float64Array(p);
    const value = fast.evaluate(w, grad);
    fast.dispose();
    assert.ok(Math.abs(value - exact) <= 1e-5 * exact, `factor ${factor}: ${value} vs ${exact}`);
    const error = maxRelativeError(grad, exactGrad);
    assert.ok(error < 1e-4, `factor ${factor}: gradient error ${error}`);
  }
});

test('softmaxResidual: the summed cross-entropy and P − Y of a closed-form case', () => {
  // Two samples, three classes, class-major (class k of sample i at k·2 + i): logits (0, ln 2, ln 5) give
  // p = (1, 2, 5)/8; the second sample's, shifted by 1000, must give the same probabilities (no overflow).
  const logits = Float32Array.from([0, 1000, Math.log(2), 1000 + Math.log(2), Math.log(5), 1000 + Math.log(5)]);
  const residual = new Float32Array(6);
  const value = softmaxResidual(logits, Int32Array.from([2, 0]), 2, 3, residual, new Float64Array(3));
  const expected = [1 / 8, 1 / 8 - 1, 2 / 8, 2 / 8, 5 / 8 - 1, 5 / 8];
  expected.forEach((e, k) => assert.ok(Math.abs(residual[k] - e) < 1e-4, `${k}: ${residual[k]} vs ${e}`));
  assert.ok(Math.abs(value - (Math.log(8 / 5) + Math.log(8))) < 1e-4, `${value}`);
});

test('softmaxResidual: log-sum-exp per sample, in float64, over many classes and a reused scratch', () => {
  // Class-major logits spread over ±40 (exp(40) overflows float32, not the float64 sums), every class a label.
  const n = 37;
  const c = 23;
  const logits = Float32Array.from({ length: c * n }, (_, q) => 40 * Math.sin(1.7 * q + 0.3));
  const y = Int32Array.from({ length: n }, (_, i) => (5 * i) % c);
  const scratch = new Float64Array(c);
  const residual = new Float32Array(c * n);
  // A first call on other logits leaves the scratch dirty: the second must not depend on it.
  softmaxResidual(
    Float32Array.from(logits, (l) => -l),
    y,
    n,
    c,
    residual,
    scratch,
  );
  const value = softmaxResidual(logits, y, n, c, residual, scratch);
  let expectedValue = 0;
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: c }, (_, k) => logits[k * n + i]);
    const top = Math.max(...row);
    const logSum = top + Math.log(row.reduce((s, l) => s + Math.exp(l - top), 0));
    expectedValue += logSum - row[y[i]];
    row.forEach((l, k) => {
      const expected = Math.exp(l - logSum) - (k === y[i] ? 1 : 0);
      assert.ok(Math.abs(residual[k * n + i] - expected) < 1e-6, `sample ${i} class ${k}`);
    });
  }
  assert.ok(Math.abs(value - expectedValue) < 1e-9 * expectedValue, `${value} vs ${expectedValue}`);
});

test('the fast Hessian-vector product matches float64 finite differences of the float64 gradient', () => {
  const shape = { featureDim: 6, numClasses: 5 };
  const p = 7 * 5;
  const data = blobs(300, 6, 5, 4, 0.1);
  const l2 = 3;
  const w = Float64Array.from({ length: p }, (_, q) => 0.3 * Math.cos(q));
  const v = Float64Array.from({ length: p }, (_, q) => Math.sin(2 * q + 1));
  const exact = headObjective(data, shape, l2);
  const h = 1e-5;
  const plus = new Float64Array(p);
  const minus = new Float64Array(p);
  exact.evaluate(
    w.map((x, q) => x + h * v[q]),
    plus,
  );
  exact.evaluate(
    w.map((x, q) => x - h * v[q]),
    minus,
  );
  const differences = plus.map((g, q) => (g - minus[q]) / (2 * h));
  const fast = createFastHeadObjective(data, shape, l2);
  // The product is at the latest evaluated point: evaluate elsewhere first, then at w.
  fast.evaluate(new Float64Array(p), new Float64Array(p));
  fast.evaluate(w, new Float64Array(p));
  const product = new Float64Array(p);
  fast.hessianProduct(v, product);
  fast.dispose();
  const error = maxRelativeError(product, differences);
  assert.ok(error < 1e-4, `H·v error ${error}`);
});

for (const newtonCg of [false, true])
  test(`fitHead (${newtonCg ? 'Newton–CG' : 'L-BFGS'}) reaches its tolerance, within ‖∇R‖/l2 of a float64 Newton optimum`, () => {
    const shape = { featureDim: 5, numClasses: 4 };
    const data = blobs(400, 5, 4, 21, 0.15);
    const l2 = 400 * 1e-3;
    const reference = newtonOptimum(data, shape, l2);
    const fit = fitHead(data, shape, l2, { meanGradTolerance: 1e-6, certifiedSteps: true, newtonCg });
    assert.ok(fit.converged && fit.meanGradNorm <= 1e-6, `mean gradient ${fit.meanGradNorm}`);
    // R is l2-strongly convex, so ‖θ − θ*‖ ≤ ‖∇R(θ)‖ / l2 (with ∇R from float32 products: a little slack).
    let distance = 0;
    for (let q = 0; q < reference.length; q++) distance += (fit.head[q] - reference[q]) ** 2;
    distance = Math.sqrt(distance);
    assert.ok(distance <= (2 * fit.gradNorm) / l2 + 1e-6, `‖θ − θ*‖ = ${distance}, bound ${fit.gradNorm / l2}`);
  });
