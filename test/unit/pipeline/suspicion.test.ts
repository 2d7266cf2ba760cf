/** The suspicion score (mislabel/suspicion.ts) and the ranking built from it (pipeline/rankLabelIssues.ts). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { suspicionScores } from '../../../src/compute/mislabel/suspicion';
import { rankLabelIssues } from '../../../src/compute/pipeline/rankLabelIssues';

const signalsArb = fc.integer({ min: 1, max: 60 }).chain((n) => {
  // Few distinct values, so ties are common; the others at least 1e-3 apart, so
  // monotone transforms keep them distinct in floating point.
  const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -5000, max: 5000 }).map((v) => v / 1000));
  const column = fc.array(value, { minLength: n, maxLength: n });
  return fc.record({ outOfSampleMargin: column, trainLoss: column, selfInfluence: column });
});

type Signals = { outOfSampleMargin: number[]; trainLoss: number[]; selfInfluence: number[] };

/** i is at least as suspicious as j on every signal, and more on one. */
function dominates(s: Signals, i: number, j: number): boolean {
  const weak = s.outOfSampleMargin[i] <= s.outOfSampleMargin[j] && s.trainLoss[i] >= s.trainLoss[j] && s.selfInfluence[i] >= s.selfInfluence[j];
  const strict = s.outOfSampleMargin[i] < s.outOfSampleMargin[j] || s.trainLoss[i] > s.trainLoss[j] || s.selfInfluence[i] > s.selfInfluence[j];
  return weak && strict;
}

describe('suspicionScores', () => {
  test('one score per sample, in [0, 1]', () => {
    fc.assert(
      fc.property(signalsArb, (s) => {
        const scores = suspicionScores(s);
        assert.equal(scores.length, s.trainLoss.length);
        for (const v of scores) assert.ok(v >= 0 && v <= 1, `score ${v}`);
      }),
    );
  });

  test('monotone: a sample worse on every signal (strictly on one) scores strictly higher', () => {
    fc.assert(
      fc.property(signalsArb, (s) => {
        const scores = suspicionScores(s);
        const n = scores.length;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            if (dominates(s, i, j)) assert.ok(scores[i] > scores[j], `${i} dominates ${j} but ${scores[i]} ≤ ${scores[j]}`);
          }
        }
      }),
    );
  });

  test('ties: samples with the same signals get the same score; all-equal signals give 0.5 each', () => {
    fc.assert(
      fc.property(signalsArb, (s) => {
        const scores = suspicionScores(s);
        for (let i = 0; i < scores.length; i++) {
          for (let j = 0; j < i; j++) {
            if (s.outOfSampleMargin[i] === s.outOfSampleMargin[j] && s.trainLoss[i] === s.trainLoss[j] && s.selfInfluence[i] === s.selfInfluence[j]) {
              assert.equal(scores[i], scores[j]);
            }
          }
        }
      }),
    );
    assert.deepEqual(Array.from(suspicionScores({ outOfSampleMargin: [0.2, 0.2, 0.2], trainLoss: [1, 1, 1], selfInfluence: [3, 3, 3] })), [0.5, 0.5, 0.5]);
    assert.deepEqual(Array.from(suspicionScores({ outOfSampleMargin: [0.7], trainLoss: [0.1], selfInfluence: [0.01] })), [0.5]);
    assert.equal(suspicionScores({ outOfSampleMargin: [], trainLoss: [], selfInfluence: [] }).length, 0);
  });

  test('the worst sample on every signal scores 1, the best 0', () => {
    const scores = suspicionScores({
      outOfSampleMargin: [0.9, -0.8, 0.1, 0.5],
      trainLoss: [0.01, 3.0, 0.5, 0.2],
      selfInfluence: [0.001, 0.9, 0.1, 0.05],
    });
    assert.equal(scores[1], 1);
    assert.equal(scores[0], 0);
  });

  test('only the order of each signal matters: monotone rescaling changes nothing', () => {
    fc.assert(
      fc.property(signalsArb, (s) => {
        const rescaled = {
          outOfSampleMargin: s.outOfSampleMargin.map((v) => 2 * v - 1),
          trainLoss: s.trainLoss.map((v) => Math.exp(v / 2)),
          selfInfluence: s.selfInfluence.map((v) => 1000 * v + 7),
        };
        const a = suspicionScores(s);
        const b = suspicionScores(rescaled);
        a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-12, `${v} vs ${b[i]}`));
      }),
    );
  });

  test('the out-of-sample margin weighs more than either in-sample signal', () => {
    // Sample 0 is the most suspicious by margin only; sample 1 by loss only; sample 2 by self-influence only.
    const scores = suspicionScores({ outOfSampleMargin: [-1, 1, 1, 1], trainLoss: [0, 5, 0, 0], selfInfluence: [0, 0, 5, 0] });
    assert.ok(scores[0] > scores[1] && scores[0] > scores[2], `${Array.from(scores)}`);
  });
});

describe('rankLabelIssues', () => {
  const C = 3;
  // Out-of-sample probabilities for 6 samples; samples 1 and 4 look mislabeled.
  const oosProbs = Float64Array.from([
    0.8, 0.1, 0.1, //
    0.1, 0.1, 0.8, // given 0, looks like 2
    0.1, 0.8, 0.1, //
    0.2, 0.2, 0.6, //
    0.7, 0.2, 0.1, // given 1, looks like 0
    0.1, 0.1, 0.8,
  ]);
  const y = Int32Array.from([0, 0, 1, 2, 1, 2]);
  const ranking = rankLabelIssues({
    oosProbs,
    y,
    numClasses: C,
    trainLoss: Float64Array.from([0.1, 1.5, 0.2, 0.4, 1.2, 0.1]),
    selfInfluence: Float64Array.from([0.01, 0.5, 0.02, 0.05, 0.4, 0.01]),
  });

  test('order is every sample once, by suspicion descending (ties by index)', () => {
    assert.deepEqual(Array.from(ranking.order).sort(), [0, 1, 2, 3, 4, 5]);
    for (let k = 1; k < 6; k++) {
      const [a, b] = [ranking.order[k - 1], ranking.order[k]];
      assert.ok(ranking.suspicion[a] > ranking.suspicion[b] || (ranking.suspicion[a] === ranking.suspicion[b] && a < b));
    }
    assert.deepEqual(new Set(ranking.order.subarray(0, 2)), new Set([1, 4]));
  });

  test('suggested label = out-of-sample argmax; margin = p(given) − max p(other)', () => {
    assert.deepEqual(Array.from(ranking.suggested), [0, 2, 1, 2, 0, 2]);
    const expected = [0.7, -0.7, 0.7, 0.4, -0.5, 0.7];
    ranking.outOfSampleMargin.forEach((m, i) => assert.ok(Math.abs(m - expected[i]) < 1e-12, `margin ${i}: ${m}`));
  });

  test('the estimated count is a whole number no larger than n, and the two flips are counted', () => {
    assert.ok(Number.isInteger(ranking.estimatedCount));
    assert.ok(ranking.estimatedCount >= 2 && ranking.estimatedCount <= 6, `${ranking.estimatedCount}`);
  });
});
