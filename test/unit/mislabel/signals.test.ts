import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  confidentJoint,
  estimateLabelIssueCount,
  normalizedMargin,
  perClassThresholds,
  selfConfidence,
  suggestedLabels,
} from '../../../src/compute/mislabel/signals';
import { createRng, permutation } from '../../../src/compute/random';

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

describe('per-sample signals', () => {
  const probs = new Float64Array([
    0.7,
    0.2,
    0.1, // labelled 0: agrees
    0.1,
    0.3,
    0.6, // labelled 0: model prefers 2
    0.0,
    1.0,
    0.0, // labelled 2: model sure it is 1
    0.4,
    0.4,
    0.2, // labelled 1: tie between 0 and 1
  ]);
  const y = new Int32Array([0, 0, 2, 1]);

  test('normalizedMargin = p(given) − max p(other); lower = more suspicious', () => {
    const m = normalizedMargin(probs, y, 3);
    [0.5, -0.5, -1, 0].forEach((v, i) => close(m[i], v));
  });
  test('selfConfidence = p(given)', () => {
    assert.deepEqual([...selfConfidence(probs, y, 3)], [0.7, 0.1, 0, 0.4]);
  });
  test('suggestedLabels = argmax, lower index on ties', () => {
    assert.deepEqual([...suggestedLabels(probs, 3)], [0, 2, 1, 0]);
  });
  test('accept Float32 probabilities and plain-array labels', () => {
    const m = normalizedMargin(new Float32Array(probs), [0, 0, 2, 1], 3);
    close(m[0], 0.5, 1e-6);
  });
  test('reject malformed input with a clear message', () => {
    assert.throws(() => normalizedMargin(probs, y, 5), /not n × 5/);
    assert.throws(() => selfConfidence(probs, [0, 0, 2], 3), /3 labels for 4/);
    assert.throws(() => selfConfidence(probs, [0, 0, 3, 1], 3), /label 3 of sample 2/);
    assert.throws(() => suggestedLabels(probs, 1), /at least 2 classes/);
  });
  test('margin stays in [-1, 1] and equals the sign of "model agrees" (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.array(fc.float({ min: Math.fround(0.01), max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
            fc.integer({ min: 0, max: 3 }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (rows) => {
          const p = new Float64Array(
            rows.flatMap(([r]) => {
              const s = r.reduce((a, b) => a + b, 0);
              return r.map((v) => v / s);
            }),
          );
          const labels = rows.map(([, l]) => l);
          const m = normalizedMargin(p, labels, 4);
          const sugg = suggestedLabels(p, 4);
          return rows.every((_, i) => m[i] >= -1 && m[i] <= 1 && (m[i] > 0 ? sugg[i] === labels[i] : true));
        },
      ),
    );
  });
});

describe('confident joint: hand-worked 3-class example', () => {
  // Ten samples. Thresholds (mean of own-class probability over each label):
  //   t0 = (0.8 + 0.5 + 0.2) / 3          = 0.5
  //   t1 = (0.8 + 0.5 + 0.2 + 0.3) / 4    = 0.45
  //   t2 = (0.8 + 0.4 + 0.0) / 3          = 0.4
  const probs = new Float64Array([
    0.8,
    0.1,
    0.1, //  s0 y=0: p0 ≥ t0                          → [0][0]
    0.5,
    0.4,
    0.1, //  s1 y=0: p0 = t0 exactly (counts)         → [0][0]
    0.2,
    0.7,
    0.1, //  s2 y=0: only p1 ≥ t1                     → [0][1]
    0.1,
    0.8,
    0.1, //  s3 y=1                                   → [1][1]
    0.45,
    0.5,
    0.05, // s4 y=1: p0 < t0, p1 ≥ t1               → [1][1]
    0.3,
    0.2,
    0.5, //  s5 y=1: only p2 ≥ t2                     → [1][2]
    0.4,
    0.3,
    0.3, //  s9 y=1: nothing reaches its threshold    → uncounted
    0.1,
    0.1,
    0.8, //  s6 y=2                                   → [2][2]
    0.55,
    0.05,
    0.4, // s7 y=2: p0 and p2 (= t2) qualify, p0 larger → [2][0]
    0.5,
    0.5,
    0.0, //  s8 y=2: p0 and p1 qualify and tie → lower index → [2][0]
  ]);
  const y = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2];

  test('thresholds', () => {
    const t = perClassThresholds(probs, y, 3);
    close(t[0], 0.5);
    close(t[1], 0.45);
    close(t[2], 0.4);
  });
  test('raw counts, calibration and estimate', () => {
    const cj = confidentJoint(probs, y, 3);
    assert.deepEqual(cj.counts, [
      [2, 1, 0],
      [0, 2, 1],
      [2, 0, 1],
    ]);
    assert.deepEqual([...cj.labelCounts], [3, 4, 3]);
    // Row 1 counted 3 of its 4 samples: scaled by 4/3.
    const expected = [
      [2, 1, 0],
      [0, 8 / 3, 4 / 3],
      [2, 0, 1],
    ];
    cj.calibrated.forEach((row, i) => row.forEach((v, j) => close(v, expected[i][j])));
    // Off-diagonal: 1 + 4/3 + 2 = 4.33 → 4
    assert.equal(estimateLabelIssueCount(probs, y, 3), 4);
  });
  test('the same in Float32: rounding must not push p = t just below its threshold', () => {
    const cj = confidentJoint(new Float32Array(probs), y, 3);
    assert.deepEqual(cj.counts, [
      [2, 1, 0],
      [0, 2, 1],
      [2, 0, 1],
    ]);
  });
});

describe('confident joint: edge cases', () => {
  test('a class nobody is labelled with gets a NaN threshold and collects no samples', () => {
    const probs = new Float64Array([0.1, 0.1, 0.8, 0.6, 0.2, 0.2]);
    const cj = confidentJoint(probs, [0, 0], 3);
    assert.ok(Number.isNaN(cj.thresholds[2]));
    assert.deepEqual(cj.counts[0], [1, 0, 0]);
    assert.equal(estimateLabelIssueCount(probs, [0, 0], 3), 0);
  });
  test('a row with no counted sample (NaN probabilities) is assumed clean', () => {
    const probs = new Float64Array([0.9, 0.1, NaN, NaN]);
    const cj = confidentJoint(probs, [0, 1], 2);
    assert.deepEqual(cj.calibrated, [
      [1, 0],
      [0, 1],
    ]);
  });
  test('calibrated rows sum to label counts; estimate within [0, n] (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 3, maxLength: 3 }),
            fc.integer({ min: 0, max: 2 }),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        (rows) => {
          const p = new Float64Array(
            rows.flatMap(([r]) => {
              const s = r.reduce((a, b) => a + b, 0);
              return r.map((v) => v / s);
            }),
          );
          const labels = rows.map(([, l]) => l);
          const cj = confidentJoint(p, labels, 3);
          const rowSumsOk = cj.calibrated.every(
            (row, i) => Math.abs(row.reduce((a, b) => a + b, 0) - cj.labelCounts[i]) < 1e-9,
          );
          const counted = cj.counts.flat().reduce((a, b) => a + b, 0);
          const est = estimateLabelIssueCount(p, labels, 3);
          return rowSumsOk && counted <= rows.length && est >= 0 && est <= rows.length;
        },
      ),
    );
  });
});

describe('confident joint: estimate on synthetic noisy labels', () => {
  /**
   * n samples, C classes, `rate` of labels flipped to another class. The
   * model's probabilities follow the TRUE class: p(true) ~ U(lo, hi),
   * the rest spread randomly over the other classes — a decent classifier
   * that has not seen the wrong labels (out-of-sample).
   */
  function synthetic(n: number, C: number, rate: number, seed: number, lo = 0.7, hi = 0.98) {
    const rng = createRng(seed);
    const probs = new Float64Array(n * C);
    const y = new Int32Array(n);
    const toFlip = new Set(permutation(n, rng).slice(0, Math.round(rate * n)));
    for (let i = 0; i < n; i++) {
      const truth = i % C;
      const pTrue = lo + (hi - lo) * rng();
      const rest = Array.from({ length: C - 1 }, () => rng());
      const restSum = rest.reduce((a, b) => a + b, 0);
      let k = 0;
      for (let j = 0; j < C; j++) probs[i * C + j] = j === truth ? pTrue : ((1 - pTrue) * rest[k++]) / restSum;
      y[i] = toFlip.has(i) ? (truth + 1 + Math.floor(rng() * (C - 1))) % C : truth;
    }
    let flipped = 0;
    for (let i = 0; i < n; i++) if (y[i] !== i % C) flipped++;
    return { probs, y, flipped };
  }

  for (const seed of [0, 1, 2]) {
    test(`1000 samples, 10 classes, 10% flipped (seed ${seed}): estimate within ±20%`, () => {
      const { probs, y, flipped } = synthetic(1000, 10, 0.1, seed);
      assert.equal(flipped, 100);
      const est = estimateLabelIssueCount(probs, y, 10);
      assert.ok(Math.abs(est - flipped) <= 0.2 * flipped, `estimated ${est} for ${flipped} flipped`);
    });
  }
  test('a weaker model (p(true) ~ U(0.55, 0.95)): unbiased to within 5% over 20 seeds', () => {
    // Single runs scatter more here (rows hold ~10 flips each and calibration
    // scales them up), so judge the average: the estimator must not be biased.
    let sum = 0;
    for (let seed = 100; seed < 120; seed++) {
      const { probs, y } = synthetic(1000, 10, 0.1, seed, 0.55, 0.95);
      sum += estimateLabelIssueCount(probs, y, 10);
    }
    assert.ok(Math.abs(sum / 20 - 100) <= 5, `mean estimate ${sum / 20}`);
  });
  test('no flips → estimate near zero', () => {
    const { probs } = synthetic(1000, 10, 0.1, 5);
    const clean = Int32Array.from({ length: 1000 }, (_, i) => i % 10);
    assert.ok(estimateLabelIssueCount(probs, clean, 10) <= 5);
  });
  test('the flipped samples have the lowest margins', () => {
    const { probs, y } = synthetic(1000, 10, 0.1, 3);
    const m = normalizedMargin(probs, y, 10);
    for (let i = 0; i < 1000; i++) assert.equal(m[i] < 0, y[i] !== i % 10);
  });
});
