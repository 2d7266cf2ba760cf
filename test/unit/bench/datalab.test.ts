/**
 * The benchmark's rewrite of cleanlab Datalab's outlier and near-duplicate
 * checks (bench/lib/datalab.ts), against cases computed by hand and the
 * outputs printed in cleanlab's own docstrings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  datalabNearDuplicates,
  datalabOutliers,
  defaultMetric,
  distanceScores,
  knnGraph,
  percentile,
} from '../../../bench/lib/datalab';

const close = (a: number, b: number, tol = 1e-9, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("cleanlab's docstring examples: the k-NN graph and the distance transform", () => {
  // construct_knn_graph_from_index's example (2 columns: euclidean), n_neighbors = 1.
  const g = knnGraph([0.701, 0.701, 0.9, 0.436, 0.0, 1.0], 3, 2, { k: 1 });
  assert.equal(g.metric, 'euclidean');
  assert.deepEqual(Array.from(g.indices), [1, 0, 0]);
  close(g.distances[0], 0.33140006, 1e-8, 'row 0');
  close(g.distances[1], 0.33140006, 1e-8, 'row 1');
  close(g.distances[2], 0.76210367, 1e-8, 'row 2');
  // transform_distances_to_scores' example: mean distances of [[0, 0.1, 0.25], [0.15, 0.2, 0.3]], t = 1, scale 1.
  const s = distanceScores(Float64Array.from([0.35 / 3, 0.65 / 3]), 1);
  close(s[0], 0.88988177, 1e-8, 'score 0');
  close(s[1], 0.80519832, 1e-8, 'score 1');
});

test('numpy percentiles (linear) and the default metric', () => {
  close(percentile([1, 2, 3, 4], 75), 3.25);
  close(percentile([4, 1, 3, 2], 25), 1.75);
  close(percentile([5], 50), 5);
  assert.equal(defaultMetric(3), 'euclidean');
  assert.equal(defaultMetric(4), 'cosine');
});

test('euclidean by hand: k-NN means, the Q3 + 1.7·IQR cut, near-duplicate sets and scores', () => {
  // Points 0, 1, 3, 7, 7 on a line, k = 2.
  const g = knnGraph([0, 1, 3, 7, 7], 5, 1, { k: 2 });
  assert.deepEqual(Array.from(g.distances), [1, 3, 1, 2, 2, 3, 0, 4, 0, 4]);
  assert.deepEqual(Array.from(g.indices), [1, 2, 0, 2, 1, 0, 4, 2, 3, 2]);
  const o = datalabOutliers(g);
  assert.deepEqual(Array.from(o.avgDistances), [2, 1.5, 2.5, 2, 2]);
  // Q1 = Q3 = 2: IQR 0, the cut is 2; only the point at 3 (mean 2.5) lies above it.
  close(o.issueThreshold, 2);
  assert.deepEqual(o.isIssue, [false, false, true, false, false]);
  close(o.scalingFactor, 2);
  [1, 0.75, 1.25, 1, 1].forEach((a, i) => close(o.scores[i], Math.exp(-a), 1e-12, `score ${i}`));

  const d = datalabNearDuplicates(g);
  // Nearest distances 1, 1, 2, 0, 0: median 1, radius 0.13.
  close(d.medianNnDistance, 1);
  close(d.radius, 0.13);
  assert.deepEqual(d.sets, [[], [], [], [4], [3]]);
  assert.deepEqual(d.isIssue, [false, false, false, true, true]);
  [1, 1, 2].forEach((nn, i) => close(d.scores[i], 1 - Math.exp(-nn), 1e-12, `score ${i}`));
  assert.equal(d.scores[3], 0);
  assert.equal(d.scores[4], 0);
});

test('cosine by hand: direction only, a zero row at distance 1, the outlier cut with a real IQR', () => {
  // a = e1, b = 2·e1 (same direction), c = e2, d = e1 + e2, z = 0; four columns: cosine.
  const rows = [
    [1, 0, 0, 0],
    [2, 0, 0, 0],
    [0, 1, 0, 0],
    [1, 1, 0, 0],
    [0, 0, 0, 0],
  ];
  const g = knnGraph(rows.flat(), 5, 4, { k: 2 });
  assert.equal(g.metric, 'cosine');
  const h = 1 - Math.SQRT1_2;
  const expected = [
    [0, h],
    [0, h],
    [h, 1],
    [h, h],
    [1, 1],
  ];
  expected.forEach(([d1, d2], i) => {
    close(g.distances[i * 2], d1, 1e-12, `row ${i} first`);
    close(g.distances[i * 2 + 1], d2, 1e-12, `row ${i} second`);
  });
  const o = datalabOutliers(g);
  // Means h/2, h/2, (h + 1)/2, h, 1: Q1 = h/2, median h, Q3 = (h + 1)/2.
  close(o.scalingFactor, h, 1e-12);
  close(o.issueThreshold, (h + 1) / 2 + (1 / 0.37037 - 1) * ((h + 1) / 2 - h / 2), 1e-12);
  assert.deepEqual(o.isIssue, [false, false, false, false, false]);
  close(o.scores[4], Math.exp(-1 / h), 1e-12);
  const d = datalabNearDuplicates(g);
  // Nearest distances 0, 0, h, h, 1: median h; a and b (distance 0) are each other's near-duplicates.
  close(d.medianNnDistance, h, 1e-12);
  assert.deepEqual(d.sets, [[1], [0], [], [], []]);
  assert.equal(d.scores[0], 0);
  close(d.scores[2], 1 - Math.exp(-1), 1e-12);
});

test('bitwise-identical rows are at distance 0', () => {
  const x = [0.3, 0.4, 10, 0, 0.3, 0.4, 20, 0];
  const g = knnGraph(x, 4, 2, { k: 1 });
  assert.equal(g.distances[0], 0);
  assert.equal(g.indices[0], 2);
  assert.equal(g.distances[2], 0);
  assert.equal(g.indices[2], 0);
});

test("near-duplicate sets are mutual: i joins j's set even when i is not among j's neighbours", () => {
  // k = 1 on a line: 0 → 1 (distance 1), 1 → 1.5 (0.5), 1.5 → 1, 10 → 1.5 (8.5), 20, 30, 40 (10 each).
  const g = knnGraph([0, 1, 1.5, 10, 20, 30, 40], 7, 1, { k: 1 });
  assert.deepEqual(Array.from(g.indices.subarray(0, 4)), [1, 2, 1, 2]);
  const d = datalabNearDuplicates(g);
  // Median nearest distance 8.5: radius 1.105 takes in 0 → 1 and 1 ↔ 1.5.
  close(d.radius, 0.13 * 8.5, 1e-12);
  assert.deepEqual(d.sets.slice(0, 4), [[1], [2, 0], [1], []]);
  assert.deepEqual(d.isIssue, [true, true, true, false, false, false, false]);
});
