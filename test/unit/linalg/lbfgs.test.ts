import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimizeLbfgs } from '../../../src/compute/linalg/lbfgs';

test('L-BFGS finds the minimum of the Rosenbrock function', () => {
  const result = minimizeLbfgs(
    {
      evaluate(x, g) {
        const [a, b] = [x[0], x[1]];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
    },
    Float64Array.from([-1.2, 1]),
    { gradTolerance: 1e-10, maxIterations: 500 },
  );
  assert.ok(result.converged);
  assert.ok(Math.abs(result.x[0] - 1) < 1e-8 && Math.abs(result.x[1] - 1) < 1e-8, `${result.x}`);
});

test('L-BFGS solves a strongly convex quadratic to the closed-form optimum', () => {
  // f(x) = ½ Σ d_i x_i² − Σ b_i x_i  ⇒  x* = b / d
  const d = [1, 10, 100, 1000, 3];
  const b = [1, -2, 3, -4, 5];
  const result = minimizeLbfgs(
    {
      evaluate(x, g) {
        let f = 0;
        for (let i = 0; i < d.length; i++) {
          g[i] = d[i] * x[i] - b[i];
          f += 0.5 * d[i] * x[i] * x[i] - b[i] * x[i];
        }
        return f;
      },
    },
    new Float64Array(d.length),
    { gradTolerance: 1e-12 },
  );
  d.forEach((di, i) => assert.ok(Math.abs(result.x[i] - b[i] / di) < 1e-12));
});
