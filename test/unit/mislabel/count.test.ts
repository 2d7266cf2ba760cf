/** The label-error count and its bootstrap range (mislabel/count.ts). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COUNT_ESTIMATORS,
  countBy,
  estimateLabelIssues,
  marginWeightedCount,
} from '../../../src/compute/mislabel/count';
import { numLabelIssues, offDiagonalIssues } from '../../../src/compute/mislabel/cleanlab';
import { estimateLabelIssueCount } from '../../../src/compute/mislabel/confidentJoint';
import { createRng, normal } from '../../../src/compute/random';

function noisy(seed: number, n = 300, C = 4) {
  const rng = createRng(seed);
  const y = new Int32Array(n);
  const probs = new Float64Array(n * C);
  let flips = 0;
  for (let i = 0; i < n; i++) {
    const truth = i % C;
    const flip = rng() < 0.15;
    flips += flip ? 1 : 0;
    y[i] = flip ? (truth + 1) % C : truth;
    let z = 0;
    for (let j = 0; j < C; j++) z += probs[i * C + j] = Math.exp((j === truth ? 3 : 0) + normal(rng));
    for (let j = 0; j < C; j++) probs[i * C + j] /= z;
  }
  return { y, probs, C, flips };
}

describe('marginWeightedCount', () => {
  test('the off-diagonal samples, each counted by p(argmax) − p(given)', () => {
    // Thresholds: class 0 = (0.9 + 0.5) / 2 = 0.7, class 1 = (0.8 + 0.2) / 2 = 0.5.
    // Sample 1 (label 0, p1 0.5 ≥ 0.5): a tie, dropped (its label gets cleanlab's 1e-6 head start);
    // sample 3 (label 1, p0 0.8 ≥ 0.7): counted by 0.8 − 0.2 = 0.6; sample 4 (label 1, p0 0.95): by 0.9. Total 1.5 → 2
    // (rounded).
    const y = [0, 0, 1, 1, 1];
    const p = Float64Array.from([0.9, 0.1, 0.5, 0.5, 0.2, 0.8, 0.8, 0.2, 0.95, 0.05]);
    assert.deepEqual(offDiagonalIssues(p, y, 2), [3, 4]);
    assert.equal(marginWeightedCount(p, y, 2), 2);
    assert.equal(numLabelIssues(p, y, 2, 'off_diagonal'), 2);
    // Two disagreements that are near ties (thresholds 0.55 and ≈0.563): cleanlab still counts 2, the weighted count
    // 0.12 + 0.1 → 0.
    const q = Float64Array.from([0.6, 0.4, 0.5, 0.5, 0.2, 0.8, 0.56, 0.44, 0.55, 0.45]);
    assert.deepEqual(offDiagonalIssues(q, y, 2), [3, 4]);
    assert.equal(numLabelIssues(q, y, 2, 'off_diagonal'), 2);
    assert.equal(marginWeightedCount(q, y, 2), 0);
  });
});

describe('estimateLabelIssues', () => {
  test('each estimator is the function it names', () => {
    const d = noisy(1);
    assert.equal(countBy('calibratedJoint', d.probs, d.y, d.C), estimateLabelIssueCount(d.probs, d.y, d.C));
    assert.equal(countBy('cleanlabOffDiagonal', d.probs, d.y, d.C), numLabelIssues(d.probs, d.y, d.C, 'off_diagonal'));
    assert.equal(
      countBy('cleanlabCalibrated', d.probs, d.y, d.C),
      numLabelIssues(d.probs, d.y, d.C, 'off_diagonal_calibrated'),
    );
  });
  test('the range holds the count, is deterministic, and the count is near the truth on separable data', () => {
    const d = noisy(2);
    for (const e of COUNT_ESTIMATORS) {
      const a = estimateLabelIssues(d.probs, d.y, d.C, e);
      assert.ok(a.low <= a.count && a.count <= a.high && a.low < a.high, JSON.stringify(a));
      assert.deepEqual(estimateLabelIssues(d.probs, d.y, d.C, e), a);
      assert.ok(Math.abs(a.count - d.flips) <= 0.35 * d.flips, `${e}: ${a.count} for ${d.flips} flips`);
    }
  });
});
