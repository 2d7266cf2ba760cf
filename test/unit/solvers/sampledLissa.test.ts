/**
 * Stochastic LiSSA with mini-batch products (solvers/sampledLissa.ts through lissaBatch's `shards`) on a
 * least-squares-like Hessian H = Σᵢ rᵢrᵢᵀ + λI over 480 "rows" in 30 dimensions (κ ≈ 1e3), split into 6 shards of 80:
 * it converges to the exact float64 solution of (H + δI)x = b (Jacobi eigendecomposition, denseReference.ts),
 * though each step sees one shard only; it spends fewer row-passes than the deterministic recursion to the same
 * tolerance; same seed → same bytes, a column alone = the same column in a batch; a scale too small is detected
 * and raised; the deadline stops it with the true residual; progress never goes back and ends at 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HvpMany } from '../../../src/compute/solvers/batchSolvers';
import { lissaBatch } from '../../../src/compute/solvers/lissaBatch';
import type { HvpShards } from '../../../src/compute/solvers/sampledLissa';
import { createRng, normal } from '../../../src/compute/random';
import {
  addDiagonal,
  geometricSpectrum,
  jacobiEigen,
  pseudoInverseSolve,
  randomOrthogonal,
  randomVector,
  relativeDistance,
  relativeResidual,
} from './denseReference';

const size = 30;
const rows = 480;
const shardCount = 6;
const l2 = 0.5;
const damping = 0.1;
/**
 * Rows rᵢ = Q·diag(√λ)·zᵢ (z standard normal, Q random orthogonal, λ geometric from 0.01 to 10), so H ≈ 480·QΛQᵀ has
 * κ ≈ 1e3 like a trained network's damped Hessian, and each shard's Hessian scatters around its share of it.
 */
const q = randomOrthogonal(size, 5);
const spectrum = geometricSpectrum(size, 0.01, 10);
const rng = createRng(6);
const r = Array.from({ length: rows }, () => {
  const z = Float64Array.from(spectrum, (l) => Math.sqrt(l) * normal(rng));
  return Float64Array.from({ length: size }, (_, i) => z.reduce((sum, zk, k) => sum + q[i * size + k] * zk, 0));
});
/** Rows i with i % 6 = s make shard s. */
const shardRows = Array.from({ length: shardCount }, (_, s) => r.filter((_, i) => i % shardCount === s));

/** Σ over `part` of rᵢ(rᵢ·v) + (|part|/rows)·λ·v. */
function partProduct(part: Float64Array[], v: Float64Array): Float64Array {
  const out = new Float64Array(size);
  for (const ri of part) {
    let d = 0;
    for (let j = 0; j < size; j++) d += ri[j] * v[j];
    for (let j = 0; j < size; j++) out[j] += ri[j] * d;
  }
  for (let j = 0; j < size; j++) out[j] += ((part.length / rows) * l2 * v[j]) as number;
  return out;
}

function counting(): { shards: HvpShards; hvpMany: HvpMany; rowPasses: { n: number } } {
  const rowPasses = { n: 0 };
  return {
    shards: {
      count: shardCount,
      share: (s) => shardRows[s].length / rows,
      hvpMany: (s, vs) => {
        rowPasses.n += shardRows[s].length / rows;
        return vs.map((v) => partProduct(shardRows[s], v));
      },
    },
    hvpMany: (vs) => {
      rowPasses.n += 1;
      return vs.map((v) => partProduct(r, v));
    },
    rowPasses,
  };
}

const h = new Float64Array(size * size);
for (let q = 0; q < size; q++) {
  const e = new Float64Array(size);
  e[q] = 1;
  const column = partProduct(r, e);
  for (let p = 0; p < size; p++) h[p * size + q] = column[p];
}
const damped = addDiagonal(h, size, damping);
const bs = [randomVector(size, 1), randomVector(size, 2), randomVector(size, 3), new Float64Array(size)];
const exact = bs.map((b) => pseudoInverseSolve(damped, size, b));

const trueRelativeResidual = (x: Float64Array, b: Float64Array) => relativeResidual(damped, size, x, b);

const options = { damping, tolerance: 1e-8, depth: 200000, seed: 4 };

test('mini-batch LiSSA converges to the exact solution, with fewer passes over the rows than full products', () => {
  const sampled = counting();
  const result = lissaBatch(sampled.hvpMany, bs, { ...options, shards: sampled.shards });
  const full = counting();
  const deterministic = lissaBatch(full.hvpMany, bs, { ...options, scale: result.scale });
  bs.forEach((b, c) => {
    const report = result.reports[c];
    if (c === 3) {
      assert.deepEqual(Array.from(result.xs[c]), Array.from(b), 'b = 0 gives x = 0');
      assert.equal(report.converged, true);
      return;
    }
    assert.equal(report.converged, true, JSON.stringify(report));
    assert.ok(report.relativeResidual <= 1e-8);
    // The reported residual is the true one (the anchor's full product).
    assert.ok(Math.abs(report.relativeResidual - trueRelativeResidual(result.xs[c], b)) <= 1e-13);
    const kappa = 1e3;
    assert.ok(relativeDistance(result.xs[c], exact[c]) <= 1e-8 * kappa, `column ${c}`);
    // Each step saw one shard, yet the rate of decay is the deterministic recursion's (10,608 steps against 10,604
    // for column 0): the anchors' control variate keeps the mini-batch noise in check.
    assert.notEqual(report.iterations, deterministic.reports[c].iterations);
    assert.ok(report.iterations < 1.05 * deterministic.reports[c].iterations, JSON.stringify(report));
  });
  // 2,531 passes against 10,626 (Lanczos's 20 included): a round of 12 steps costs 6/6 + 11/6 passes.
  assert.ok(
    sampled.rowPasses.n < 0.3 * full.rowPasses.n,
    `${sampled.rowPasses.n} passes over the rows, deterministic ${full.rowPasses.n}`,
  );
});

test('same seed, same bytes; a column alone equals the same column in a batch; another seed differs', () => {
  const run = (columns: Float64Array[], seed: number) => {
    const { hvpMany, shards } = counting();
    return lissaBatch(hvpMany, columns, { ...options, tolerance: 1e-6, seed, shards });
  };
  const batch = run(bs, 4);
  const again = run(bs, 4);
  const alone = run([bs[1]], 4);
  const other = run(bs, 5);
  assert.deepEqual(batch.xs, again.xs, 'same seed');
  assert.deepEqual(Array.from(alone.xs[0]), Array.from(batch.xs[1]), 'alone');
  assert.equal(alone.reports[0].iterations, batch.reports[1].iterations);
  assert.notDeepEqual(Array.from(other.xs[1]), Array.from(batch.xs[1]));
});

test('a scale too small makes the mini-batch recursion grow: it is raised and the solve still converges', () => {
  const { hvpMany, shards } = counting();
  // A scale of 10 puts most of the spectrum outside (0, 2·scale).
  const result = lissaBatch(hvpMany, bs.slice(0, 2), { ...options, tolerance: 1e-8, scale: 10, shards });
  const lambdaMax = Math.max(...jacobiEigen(damped, size).values);
  assert.ok(result.scale > lambdaMax / 2, `scale ${result.scale}, λ_max ${lambdaMax}`);
  result.reports.forEach((report, c) => {
    assert.equal(report.converged, true);
    assert.ok(relativeDistance(result.xs[c], exact[c]) <= 1e-8 * 1e3);
  });
});

test('a deadline stops every column between anchors with its true residual; progress never goes back', () => {
  const { hvpMany, shards } = counting();
  const past = lissaBatch(hvpMany, bs.slice(0, 3), { ...options, shards }, { deadline: performance.now() - 1 });
  past.reports.forEach((report, c) => {
    assert.equal(report.cutShort, true);
    assert.equal(report.iterations, 1);
    assert.equal(report.converged, false);
    assert.ok(Math.abs(report.relativeResidual - trueRelativeResidual(past.xs[c], bs[c])) <= 1e-12);
  });
  // Mid-solve: the deadline passes at the 30th shard product, the 7th mini-batch step of the second round.
  let products = 0;
  const control = { deadline: Infinity };
  const counted = counting();
  const stopping: HvpShards = {
    ...counted.shards,
    hvpMany: (s, vs) => {
      if (++products === 30) control.deadline = performance.now() - 1;
      return counted.shards.hvpMany(s, vs);
    },
  };
  const partial = lissaBatch(counted.hvpMany, bs.slice(0, 3), { ...options, shards: stopping }, control);
  partial.reports.forEach((report, c) => {
    assert.equal(report.cutShort, true);
    assert.equal(report.iterations, 2 * shardCount + 1 + 7);
    assert.ok(Math.abs(report.relativeResidual - trueRelativeResidual(partial.xs[c], bs[c])) <= 1e-12);
  });
  const fractions: number[] = [];
  const fresh = counting();
  lissaBatch(
    fresh.hvpMany,
    bs,
    { ...options, tolerance: 1e-8, shards: fresh.shards },
    {
      onProgress: (f) => fractions.push(f),
    },
  );
  for (let k = 1; k < fractions.length; k++) assert.ok(fractions[k] >= fractions[k - 1]);
  assert.ok(fractions.some((f) => f > 0.2 && f < 0.8));
  assert.equal(fractions.at(-1), 1);
});
