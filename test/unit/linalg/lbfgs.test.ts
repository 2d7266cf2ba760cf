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

/**
 * An ill-conditioned quadratic whose value is rounded to float32 around a large offset (as the head objective's
 * float32 products round a sum over thousands of samples): near the optimum the value cannot show a decrease, the
 * exact gradient still can.
 */
function roundedQuadratic(noisyGradient = 0) {
  const d = Float64Array.from({ length: 40 }, (_, i) => 10 ** (3 * (i / 39)));
  const b = Float64Array.from({ length: 40 }, (_, i) => Math.cos(i));
  let calls = 0;
  return {
    d,
    b,
    objective: {
      evaluate(x: Float64Array, g: Float64Array) {
        calls++;
        let f = 1e4;
        for (let i = 0; i < d.length; i++) {
          // A floor on the gradient's accuracy when noisyGradient > 0: an error that changes with every call.
          g[i] = d[i] * x[i] - b[i] + noisyGradient * Math.sin(12.9898 * calls + 78.233 * i);
          f += 0.5 * d[i] * x[i] * x[i] - b[i] * x[i];
        }
        return Math.fround(f);
      },
    },
  };
}

test('convex L-BFGS reaches the gradient tolerance where the rounded value stalls the Armijo search', () => {
  const { d, b, objective } = roundedQuadratic();
  const x0 = new Float64Array(d.length);
  const options = { gradTolerance: 1e-8, maxIterations: 2000 };
  const plain = minimizeLbfgs(objective, x0, options);
  assert.equal(plain.converged, false, 'the value is not rounded enough to stall: the test checks nothing');
  const convex = minimizeLbfgs(objective, x0, { ...options, convex: true });
  assert.ok(convex.converged, `gradient ${convex.gradNorm}`);
  d.forEach((di, i) => assert.ok(Math.abs(convex.x[i] - b[i] / di) <= 1e-8 / di + 1e-12, `x[${i}] = ${convex.x[i]}`));
});

test('convex L-BFGS stops at its gradient floor instead of running to maxIterations', () => {
  const { d, objective } = roundedQuadratic(1e-6);
  const result = minimizeLbfgs(objective, new Float64Array(d.length), {
    gradTolerance: 1e-12,
    maxIterations: 2000,
    convex: true,
  });
  assert.equal(result.converged, false);
  assert.ok(result.iterations < 400, `${result.iterations} iterations`);
  assert.ok(result.gradNorm < 1e-4, `stopped early at gradient ${result.gradNorm}`);
});
