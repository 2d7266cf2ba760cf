/**
 * The reimplementation of cleanlab's scores and count against cleanlab
 * itself: the expected counts below were produced by cleanlab 2.x's own
 * `count.num_label_issues` (its source, run by Debian's Python with numpy
 * 1.24) on these exact inputs, once, and are kept as fixtures; the first is
 * the example of cleanlab's own test suite (tests/test_filter_count.py,
 * test_num_label_issues_different_estimation_types), which asserts that the
 * two methods differ on it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeConfidentJoint,
  confidentThresholds,
  normalizedMarginForEachLabel,
  numLabelIssues,
  numpySum,
  roundHalfEven,
  roundPreservingSum,
  selfConfidenceForEachLabel,
} from '../../../src/compute/mislabel/cleanlab';

interface Fixture {
  C: number;
  y: number[];
  p: number[][];
  offDiagonal: number;
  offDiagonalCalibrated: number;
}

const CLEANLAB_TEST_EXAMPLE: Fixture = {
  C: 2,
  y: [0, 1, 1, 1, 1, 0, 0, 1, 0],
  p: [
    [0.7110397298505661, 0.2889602701494339],
    [0.6367131487519773, 0.36328685124802274],
    [0.7571834730987641, 0.24281652690123584],
    [0.6394163729473307, 0.3605836270526695],
    [0.5853684039196656, 0.4146315960803345],
    [0.6675968116482668, 0.33240318835173316],
    [0.7240647829106976, 0.2759352170893023],
    [0.740474240697777, 0.25952575930222266],
    [0.7148252196621883, 0.28517478033781196],
  ],
  offDiagonal: 2,
  offDiagonalCalibrated: 3,
};

/** Random cases (numpy seed 7) on which the two methods differ, with cleanlab's answers. */
const FIXTURES: Fixture[] = [
  CLEANLAB_TEST_EXAMPLE,
  {
    C: 3,
    y: [0, 2, 2, 0, 0, 2, 2, 0, 0, 0, 1, 2, 1, 1],
    p: [
      [0.381, 0.12, 0.499],
      [0.52, 0.303, 0.177],
      [0.348, 0.001, 0.651],
      [0.508, 0.491, 0.001],
      [0.742, 0.202, 0.056],
      [0.307, 0.278, 0.415],
      [0.757, 0.045, 0.198],
      [0.824, 0.132, 0.044],
      [0.247, 0.75, 0.003],
      [0.765, 0.016, 0.219],
      [0.088, 0.232, 0.68],
      [0.016, 0.152, 0.832],
      [0.683, 0.28, 0.037],
      [0.002, 0.972, 0.026],
    ],
    offDiagonal: 5,
    offDiagonalCalibrated: 6,
  },
  {
    C: 3,
    y: [1, 1, 1, 1, 0, 0, 2, 2, 2, 1, 1, 2, 0],
    p: [
      [0.245, 0.413, 0.342],
      [0.102, 0.728, 0.17],
      [0.198, 0.641, 0.161],
      [0.275, 0.564, 0.161],
      [0.403, 0.22, 0.377],
      [0.94, 0.001, 0.059],
      [0.033, 0.132, 0.835],
      [0.061, 0.674, 0.265],
      [0.167, 0.093, 0.74],
      [0.048, 0.951, 0.001],
      [0.09, 0.185, 0.725],
      [0.23, 0.037, 0.733],
      [0.746, 0.021, 0.233],
    ],
    offDiagonal: 2,
    offDiagonalCalibrated: 3,
  },
  {
    C: 4,
    y: [3, 1, 1, 0, 0, 2, 2, 2, 2, 2, 3, 2, 2, 3, 0, 3, 1, 2],
    p: [
      [0.31, 0.55, 0.071, 0.069],
      [0.076, 0.279, 0.048, 0.597],
      [0.095, 0.262, 0.134, 0.509],
      [0.675, 0.076, 0.036, 0.213],
      [0.686, 0.022, 0.117, 0.175],
      [0.414, 0.073, 0.491, 0.022],
      [0.258, 0.062, 0.654, 0.026],
      [0.293, 0.02, 0.645, 0.042],
      [0.003, 0.277, 0.552, 0.168],
      [0.028, 0.342, 0.465, 0.165],
      [0.039, 0.023, 0.52, 0.418],
      [0.123, 0.002, 0.833, 0.042],
      [0.031, 0.215, 0.354, 0.4],
      [0.679, 0.284, 0.003, 0.034],
      [0.221, 0.139, 0.007, 0.633],
      [0.092, 0.158, 0.002, 0.748],
      [0.05, 0.485, 0.016, 0.449],
      [0.088, 0.006, 0.639, 0.267],
    ],
    offDiagonal: 6,
    offDiagonalCalibrated: 8,
  },
];

const flat = (p: number[][]) => Float64Array.from(p.flat());

describe("cleanlab's num_label_issues, reimplemented", () => {
  FIXTURES.forEach((f, k) => {
    test(
      `fixture ${k}: off_diagonal ${f.offDiagonal}, off_diagonal_calibrated ` +
        `${f.offDiagonalCalibrated}, as cleanlab counts`,
      () => {
        assert.equal(numLabelIssues(flat(f.p), f.y, f.C), f.offDiagonal, 'the default method is off_diagonal');
        assert.equal(numLabelIssues(flat(f.p), f.y, f.C, 'off_diagonal'), f.offDiagonal);
        assert.equal(numLabelIssues(flat(f.p), f.y, f.C, 'off_diagonal_calibrated'), f.offDiagonalCalibrated);
      },
    );
  });

  test(
    "off_diagonal counts the confident joint's off-diagonal samples, less " + 'those whose given label is the argmax',
    () => {
      // Thresholds: class 0 mean p0 over labels 0 = 0.7, class 1 mean p1 over labels 1 = 0.5.
      const y = [0, 0, 1, 1];
      const p = flat([
        [0.9, 0.1],
        [0.5, 0.5],
        [0.2, 0.8],
        [0.8, 0.2],
      ]);
      assert.deepEqual(Array.from(confidentThresholds(p, y, 2)), [0.7, 0.5]);
      const cj = computeConfidentJoint(p, y, 2, { calibrate: false });
      // Sample 1 (label 0): only class 1 reaches its threshold → counted off the diagonal, but p0 = p1
      // and its label gets the 1e-6 head start, so off_diagonal drops it. Sample 3 (label 1): only class 0 reaches 0.7
      // → a label issue.
      assert.deepEqual(cj.offDiagonal, [1, 3]);
      assert.deepEqual(cj.joint, [
        [1, 1],
        [1, 1],
      ]);
      assert.equal(numLabelIssues(p, y, 2, 'off_diagonal'), 1);
    },
  );

  test('every diagonal cell holds at least one count', () => {
    const y = [0, 0, 1];
    const p = flat([
      [0.1, 0.9],
      [0.2, 0.8],
      [0.3, 0.7],
    ]);
    assert.equal(computeConfidentJoint(p, y, 2, { calibrate: false }).joint[0][0], 1);
  });
});

describe("cleanlab's label-quality scores, reimplemented", () => {
  const y = [0, 2];
  const p = flat([
    [0.6, 0.3, 0.1],
    [0.5, 0.2, 0.3],
  ]);
  test('self-confidence is p(given label)', () => {
    assert.deepEqual(Array.from(selfConfidenceForEachLabel(p, y, 3)), [0.6, 0.3]);
  });
  test('normalized margin is (p(given) − max p(other) + 1) / 2', () => {
    const m = normalizedMarginForEachLabel(p, y, 3);
    assert.ok(Math.abs(m[0] - 0.65) < 1e-15 && Math.abs(m[1] - 0.4) < 1e-15, `got ${Array.from(m)}`);
  });
});

describe('numpy arithmetic the count depends on', () => {
  test('round half to even', () => {
    assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, -0, -2, 2, 3]);
  });
  test('rounding that keeps the sum adds to the largest residuals first', () => {
    // round → [0, 0, 1] (half to even), sum 2 → one more, on the larger index among equal residuals (numpy's reversed
    // argsort).
    assert.deepEqual(roundPreservingSum([0.5, 0.5, 1.0]), [0, 1, 1]);
    assert.deepEqual(roundPreservingSum([1.4, 1.4, 1.2]), [1, 2, 1]); // cleanlab gives the same
  });
  test('pairwise summation: 9 values summed as numpy does (8 accumulators), not left to right', () => {
    const a = [1e16, 1, 1, 1, 1, 1, 1, 1, -1e16];
    let left = 0;
    for (const v of a) left += v;
    assert.equal(left, 0);
    // numpy: ((1e16+1)+(1+1)) + ((1+1)+(1+1)) = 1e16+6 (exactly representable) … then −1e16 → 6.
    assert.equal(numpySum(a), 6);
  });
});
