/** The label-error count and its bootstrap range (mislabel/count.ts). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { COUNT_ESTIMATORS, countBy, estimateLabelIssues } from '../../../src/compute/mislabel/count';
import { numLabelIssues } from '../../../src/compute/mislabel/cleanlab';
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

describe('estimateLabelIssues', () => {
  test('each estimator is the function it names', () => {
    const d = noisy(1);
    assert.equal(countBy('calibratedJoint', d.probs, d.y, d.C), estimateLabelIssueCount(d.probs, d.y, d.C));
    assert.equal(countBy('cleanlabOffDiagonal', d.probs, d.y, d.C), numLabelIssues(d.probs, d.y, d.C, 'off_diagonal'));
    assert.equal(countBy('cleanlabCalibrated', d.probs, d.y, d.C), numLabelIssues(d.probs, d.y, d.C, 'off_diagonal_calibrated'));
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
