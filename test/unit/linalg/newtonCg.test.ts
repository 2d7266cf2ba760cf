import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type CurvedObjective, minimizeNewtonCg } from '../../../src/compute/linalg/newtonCg';

/** f(x) = Σ log(1 + e^{a_i·x}) + ½λ‖x‖² − bᵀx: smooth, strictly convex, with a closed-form Hessian. */
function logisticLike(
  a: number[][],
  b: number[],
  lambda: number,
): CurvedObjective & { hessianAt(x: Float64Array): number[][] } {
  const dim = b.length;
  let last = new Float64Array(dim);
  const weights = (x: Float64Array) => a.map((row) => 1 / (1 + Math.exp(-row.reduce((s, v, j) => s + v * x[j], 0))));
  return {
    evaluate(x, grad) {
      last = Float64Array.from(x);
      let value = 0;
      for (let j = 0; j < dim; j++) {
        value += 0.5 * lambda * x[j] * x[j] - b[j] * x[j];
        grad[j] = lambda * x[j] - b[j];
      }
      a.forEach((row) => {
        const z = row.reduce((s, v, j) => s + v * x[j], 0);
        value += Math.log1p(Math.exp(z));
        const sigma = 1 / (1 + Math.exp(-z));
        for (let j = 0; j < dim; j++) grad[j] += sigma * row[j];
      });
      return value;
    },
    hessianProduct(v, out) {
      const sigmas = weights(last);
      for (let j = 0; j < dim; j++) out[j] = lambda * v[j];
      a.forEach((row, i) => {
        const s = sigmas[i] * (1 - sigmas[i]) * row.reduce((acc, r, j) => acc + r * v[j], 0);
        for (let j = 0; j < dim; j++) out[j] += s * row[j];
      });
    },
    hessianAt(x) {
      const sigmas = weights(x);
      return Array.from({ length: dim }, (_, j) =>
        Array.from({ length: dim }, (_, k) =>
          a.reduce((s, row, i) => s + sigmas[i] * (1 - sigmas[i]) * row[j] * row[k], j === k ? lambda : 0),
        ),
      );
    },
  };
}

const a = Array.from({ length: 40 }, (_, i) =>
  Array.from({ length: 6 }, (_, j) => Math.sin(3 * i + 7 * j + 1) * (j + 1)),
);
const b = [1, -2, 0.5, 3, -1, 2];

test('Newton–CG reaches the gradient tolerance of a convex objective, and its products are the Hessian', () => {
  const objective = logisticLike(a, b, 0.1);
  const result = minimizeNewtonCg(objective, new Float64Array(6), { gradTolerance: 1e-10, maxPasses: 500 });
  assert.ok(result.converged && result.gradNorm <= 1e-10, `‖∇f‖ ${result.gradNorm}`);
  // The gradient the result reports is the objective's own at x.
  const grad = new Float64Array(6);
  objective.evaluate(result.x, grad);
  assert.ok(Math.hypot(...grad) <= 1e-10);
  // Superlinear: a handful of Newton steps, not hundreds of passes.
  assert.ok(result.iterations <= 15, `${result.iterations} steps`);
  // hessianProduct is the Hessian at the latest evaluated point (here result.x): check against the closed form.
  const hessian = objective.hessianAt(result.x);
  const v = Float64Array.from([1, 2, -1, 0.5, 0, 3]);
  const out = new Float64Array(6);
  objective.hessianProduct(v, out);
  hessian.forEach((row, j) => assert.ok(Math.abs(row.reduce((s, h, k) => s + h * v[k], 0) - out[j]) < 1e-12));
});

test('Newton–CG stops at its pass budget without converging, and checks the signal before a pass', () => {
  const objective = logisticLike(a, b, 1e-3);
  const capped = minimizeNewtonCg(objective, new Float64Array(6), { gradTolerance: 1e-14, maxPasses: 4 });
  assert.equal(capped.converged, false);
  assert.ok(capped.passes <= 4, `${capped.passes} passes`);
  const controller = new AbortController();
  controller.abort();
  assert.throws(() =>
    minimizeNewtonCg(objective, new Float64Array(6), {
      gradTolerance: 1e-10,
      maxPasses: 100,
      signal: controller.signal,
    }),
  );
});
