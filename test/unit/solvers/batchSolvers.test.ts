/**
 * The batched solvers (solvers/batchSolvers.ts) against the one-at-a-time
 * solvers they replace in the influence stage and against exact float64
 * solutions of a small damped problem (a symmetric matrix with a chosen
 * spectrum, κ = 1e3, solved by Jacobi eigendecomposition): several
 * right-hand sides at once give each the same x as alone. Tolerances: the
 * batched and single recurrences are the same arithmetic (1e-12 relative);
 * against the exact solution, the solvers' own tolerance (1e-10) times κ.
 * Also: the time budget stops every column and reports its true residual,
 * and the progress fraction never goes back and ends at 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  conjugateGradientBatch,
  generalizedInfluenceBatch,
  type HvpMany,
} from '../../../src/compute/solvers/batchSolvers';
import { lissaBatch } from '../../../src/compute/solvers/lissaBatch';
import { conjugateGradient } from '../../../bench/before/conjugateGradient';
import { generalizedInfluenceSolve } from '../../../bench/before/generalizedInfluence';
import { lissa } from '../../../bench/before/lissa';
import {
  addDiagonal,
  denseHvp,
  geometricSpectrum,
  normalEquations,
  pseudoInverseSolve,
  randomVector,
  relativeDistance,
  relativeResidual,
  submatrix,
  symmetricWithSpectrum,
} from './denseReference';

const n = 40;
const damping = 0.05;
const a = symmetricWithSpectrum(geometricSpectrum(n, 0.05, 50), 11);
const hvp = denseHvp(a, n);
/** The batched product as the operators give it: one call for all vectors (counted). */
function counted(): { hvpMany: HvpMany; calls: { n: number } } {
  const calls = { n: 0 };
  return {
    hvpMany: (vs) => {
      calls.n++;
      return vs.map(hvp);
    },
    calls,
  };
}
const bs = [randomVector(n, 1), randomVector(n, 2), randomVector(n, 3), randomVector(n, 4), new Float64Array(n)];
const damped = addDiagonal(a, n, damping);
const exact = bs.map((b) => pseudoInverseSolve(damped, n, b));

const trueRelativeResidual = (x: Float64Array, b: Float64Array) => relativeResidual(damped, n, x, b);

test('CG: five right-hand sides at once equal five single solves and the exact float64 solution', () => {
  const { hvpMany, calls } = counted();
  const { xs, reports } = conjugateGradientBatch(hvpMany, bs, { damping, tolerance: 1e-10 });
  bs.forEach((b, c) => {
    const single = conjugateGradient(hvp, b, { damping, tolerance: 1e-10 });
    assert.ok(relativeDistance(xs[c], single.x) <= 1e-9, `column ${c}: batched vs single`);
    assert.ok(relativeDistance(xs[c], exact[c]) <= 1e-10 * 1e3, `column ${c}: vs exact`);
    assert.equal(reports[c].converged, true);
    assert.equal(reports[c].cutShort, false);
  });
  // One operator call per iteration for all columns (plus the true-residual rechecks), not one per column.
  const most = Math.max(...reports.map((r) => r.iterations));
  assert.ok(calls.n <= most + 8, `${calls.n} calls for ${most} iterations`);
});

test('LiSSA: the same with a shared scale, and the same scale a single solve picks', () => {
  const { hvpMany } = counted();
  const depth = 20000;
  const batch = lissaBatch(hvpMany, bs, { damping, tolerance: 1e-10, depth, seed: 3 });
  const first = lissa(hvp, bs[0], { damping, tolerance: 1e-10, depth, seed: 3 });
  assert.equal(batch.scale, first.report.scale, 'the Lanczos estimate of the first single solve');
  bs.forEach((b, c) => {
    const single = lissa(hvp, b, { damping, tolerance: 1e-10, depth, scale: batch.scale });
    assert.ok(relativeDistance(batch.xs[c], single.x) <= 1e-12, `column ${c}: batched vs single`);
    assert.ok(relativeDistance(batch.xs[c], exact[c]) <= 1e-10 * 1e3, `column ${c}: vs exact`);
    assert.equal(batch.reports[c].iterations, b.some((v) => v !== 0) ? single.report.iterations : 0);
  });
});

test('GIF: per-column parameter subsets, equal to single least-squares solves and the normal equations', () => {
  const { hvpMany } = counted();
  const subsets = [Int32Array.from({ length: 10 }, (_, k) => 3 * k), Int32Array.from({ length: 15 }, (_, k) => k + 20)];
  const gs = bs.slice(0, 2);
  const { xs, reports } = generalizedInfluenceBatch(hvpMany, gs, { damping, tolerance: 1e-10, subsets });
  gs.forEach((g, c) => {
    const single = generalizedInfluenceSolve(hvp, g, subsets[c], { damping, tolerance: 1e-10 });
    assert.ok(relativeDistance(xs[c], single.x) <= 1e-9, `column ${c}: batched vs single`);
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const m = submatrix(damped, n, all, subsets[c]);
    const { ata, atb } = normalEquations(m, n, subsets[c].length, g);
    const reference = pseudoInverseSolve(ata, subsets[c].length, atb);
    assert.ok(relativeDistance(xs[c], reference) <= 1e-6, `column ${c}: vs the normal equations`);
    assert.equal(reports[c].converged, true);
  });
});

test('a deadline already past stops every column after one step, marked cut short, with its true residual', () => {
  const { hvpMany } = counted();
  const control = { deadline: performance.now() - 1 };
  const cg = conjugateGradientBatch(hvpMany, bs.slice(0, 3), { damping, tolerance: 1e-10 }, control);
  const li = lissaBatch(hvpMany, bs.slice(0, 3), { damping, tolerance: 1e-10, depth: 1000, scale: 40 }, control);
  for (const result of [cg, li]) {
    result.reports.forEach((r, c) => {
      assert.equal(r.cutShort, true);
      assert.equal(r.iterations, 1);
      assert.equal(r.converged, false);
      assert.ok(Math.abs(r.relativeResidual - trueRelativeResidual(result.xs[c], bs[c])) <= 1e-12);
    });
  }
  // A deadline that passes mid-solve: CG stops after some iterations, far from its tolerance, and says so.
  let iterations = 0;
  const midway: HvpMany = (vs) => {
    iterations++;
    return vs.map(hvp);
  };
  const deadline = { deadline: Infinity };
  const stopping: HvpMany = (vs, cols) => {
    if (iterations === 5) deadline.deadline = performance.now() - 1;
    return midway(vs, cols);
  };
  const partial = conjugateGradientBatch(stopping, bs.slice(0, 3), { damping, tolerance: 1e-12 }, deadline);
  partial.reports.forEach((r, c) => {
    assert.equal(r.cutShort, true);
    assert.ok(r.iterations >= 5 && r.iterations < 20, `${r.iterations} iterations`);
    assert.ok(r.relativeResidual > 1e-6, `far from its tolerance: ${r.relativeResidual}`);
    assert.ok(Math.abs(r.relativeResidual - trueRelativeResidual(partial.xs[c], bs[c])) <= 1e-12);
  });
});

test('progress: a fraction that never goes back and ends at 1 when every column is done', () => {
  for (const solve of [
    (control: { onProgress: (f: number) => void }) =>
      conjugateGradientBatch(counted().hvpMany, bs, { damping, tolerance: 1e-10 }, control),
    (control: { onProgress: (f: number) => void }) =>
      lissaBatch(counted().hvpMany, bs, { damping, tolerance: 1e-8, depth: 20000, scale: 40 }, control),
  ]) {
    const fractions: number[] = [];
    solve({ onProgress: (f) => fractions.push(f) });
    assert.ok(fractions.length > 10);
    for (let k = 1; k < fractions.length; k++) assert.ok(fractions[k] >= fractions[k - 1]);
    assert.ok(
      fractions.some((f) => f > 0.2 && f < 0.8),
      'moves in between, not only at the end',
    );
    assert.equal(fractions.at(-1), 1);
  }
});

test('LiSSA progress follows its iterations when the residual falls fast first and then crawls', () => {
  // 49 well-curved directions and one with curvature 0.01 holding 1e-3 of b: the residual's log-scale share says
  // "a third of the way" within a few steps, then the slow direction takes hundreds more at a steady rate.
  const size = 50;
  const curvature = Float64Array.from({ length: size }, (_, i) => (i === 0 ? 0.01 : 0.5 + i / (2 * size)));
  const diagonal: HvpMany = (vs) => vs.map((v) => v.map((x, i) => curvature[i] * x));
  const b = Float64Array.from({ length: size }, (_, i) => (i === 0 ? 1e-3 * Math.sqrt(size - 1) : 1));
  const fractions: number[] = [];
  const result = lissaBatch(
    diagonal,
    [b],
    { damping: 0, tolerance: 1e-8, depth: 100000, scale: 0.6 },
    { onProgress: (f) => fractions.push(f) },
  );
  assert.ok(result.reports[0].converged);
  // One report per iteration.
  const total = result.reports[0].iterations;
  assert.equal(fractions.length, total);
  assert.ok(total > 300, `${total} iterations`);
  for (const at of [0.25, 0.5, 0.75]) {
    const f = fractions[Math.floor(at * total) - 1];
    assert.ok(Math.abs(f - at) < 0.1, `after ${at * 100}% of the iterations the fraction is ${f.toFixed(3)}`);
  }
});
