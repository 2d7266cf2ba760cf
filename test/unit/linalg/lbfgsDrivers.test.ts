/**
 * Both L-BFGS drivers share one two-loop direction (lbfgsHistory.ts) and
 * differ only in their line search. Each must reach the closed-form minimum
 * A⁻¹b of an ill-conditioned quadratic, and the shared direction must satisfy
 * the secant equation of the latest pair (the defining property of BFGS).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minimizeLbfgs } from '../../../src/compute/linalg/lbfgs';
import { LbfgsHistory } from '../../../src/compute/linalg/lbfgsHistory';
import { minimizeLbfgsWolfe } from '../../../src/compute/linalg/lbfgsWolfe';

const n = 6;
// A = QᵀDQ-like SPD matrix with condition number 1e3, b fixed.
const A = Array.from({ length: n }, (_, i) =>
  Array.from({ length: n }, (_, j) => (i === j ? 10 ** ((3 * i) / (n - 1)) : 0.3 / (1 + Math.abs(i - j)))),
);
const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
const mul = (x: Float64Array) => Float64Array.from(A.map((row) => row.reduce((s, a, j) => s + a * x[j], 0)));
const quadratic = {
  evaluate(x: Float64Array, grad: Float64Array): number {
    const ax = mul(x);
    let f = 0;
    for (let i = 0; i < n; i++) {
      grad[i] = ax[i] - b[i];
      f += 0.5 * x[i] * ax[i] - b[i] * x[i];
    }
    return f;
  },
};

/** A⁻¹b by Gaussian elimination in float64 (independent of L-BFGS). */
function solve(): Float64Array {
  const m = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

test('the Armijo and the Wolfe driver both reach A⁻¹b', () => {
  const exact = solve();
  const armijo = minimizeLbfgs(quadratic, new Float64Array(n), { gradTolerance: 1e-8 });
  const wolfe = minimizeLbfgsWolfe(quadratic, new Float64Array(n), { gradTolerance: 1e-8, maxIterations: 500 });
  assert.equal(armijo.converged, true);
  assert.equal(wolfe.stop, 'gradient');
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(armijo.x[i] - exact[i]) < 1e-8, `armijo ${i}`);
    assert.ok(Math.abs(wolfe.x[i] - exact[i]) < 1e-8, `wolfe ${i}`);
  }
});

test('the two-loop direction satisfies the secant equation of its latest pair: H̃·y = s', () => {
  const history = new LbfgsHistory(4);
  const zero = new Float64Array(n);
  let last = zero;
  for (let k = 0; k < 4; k++) {
    last = Float64Array.from({ length: n }, (_, i) => (i === k ? 1 : 0.1 * (i + k + 1)));
    history.update(zero, last, zero, mul(last));
  }
  const d = new Float64Array(n);
  history.direction(mul(last), 1, d);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(d[i] + last[i]) < 1e-12, `d = −s at ${i}: ${d[i]} vs ${-last[i]}`);
});
