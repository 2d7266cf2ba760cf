/**
 * Outliers (issue 17): a planted far-away sample that no class claims ranks
 * first and is the only one above the cut; a CLUSTER of such samples (a batch
 * of corrupt images is its own neighbourhood, which hides it from k-NN
 * distances) is still found, through the distance to the nearest class mean.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestNeighbours } from '../../../src/compute/issues/knn';
import {
  classMeanDistances,
  OUTLIER_CUT,
  type OutlierSpace,
  scoreOutliers,
} from '../../../src/compute/issues/outliers';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';
import { blobs } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

const f = 4;
const c = 3;

/** Blobs split into train and test (one draw: the same centres), with the planted samples moved far away. */
function planted(trainIds: number[], testIds: number[]) {
  const all = blobs(360, f, c, 5, 0, 0.5);
  const train = { phi: all.phi.slice(0, 300 * f), y: all.y.slice(0, 300), n: 300 };
  const test = { phi: all.phi.slice(300 * f), y: all.y.slice(300), n: 60 };
  const rng = createRng(2);
  for (const [data, ids] of [
    [train, trainIds],
    [test, testIds],
  ] as const) {
    for (const i of ids) for (let j = 0; j < f; j++) data.phi[i * f + j] = 12 + j + 0.2 * normal(rng);
  }
  // Out-of-sample probabilities: confident in the blob's class, uniform for the planted samples.
  const probs = (n: number, y: Int32Array, ids: number[]) =>
    Float64Array.from({ length: n * c }, (_, q) =>
      ids.includes(Math.floor(q / c)) ? 1 / c : q % c === y[Math.floor(q / c)] ? 0.9 : 0.05,
    );
  const tp = { x: train.phi, n: train.n, d: f };
  const sp = { x: test.phi, n: test.n, d: f };
  return scoreOutliers({
    spaces: [
      {
        train: tp,
        test: sp,
        trainInTrain: nearestNeighbours(tp, tp, 10, { excludeSelf: true }),
        testInTrain: nearestNeighbours(sp, tp, 10),
      },
    ],
    yTrain: train.y,
    trainProbs: probs(train.n, train.y, trainIds),
    testProbs: probs(test.n, test.y, testIds),
    numClasses: c,
  });
}

const flagged = (scores: Float64Array) => Array.from(scores.keys()).filter((i) => scores[i] >= OUTLIER_CUT);

test('a planted outlier ranks first in the training and in the test set, alone above the cut', () => {
  const report = planted([17], [8]);
  for (const [scores, id] of [
    [report.trainScore, 17],
    [report.testScore, 8],
  ] as const) {
    const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
    assert.equal(order[0], id);
    assert.deepEqual(flagged(scores), [id]);
  }
});

test('a cluster of 15 outliers (more than k = 10) is flagged whole, and nothing else is', () => {
  const cluster = Array.from({ length: 15 }, (_, k) => 20 * k + 3);
  const report = planted(cluster, []);
  assert.deepEqual(flagged(report.trainScore), cluster);
  assert.deepEqual(flagged(report.testScore), []);
});

test('wide embeddings of two overlapping classes: a sample the model doubts is not an outlier, a far one is', () => {
  // 1,024-wide Gaussian classes at ±μ (so p(class | x) = sigmoid(2μ·x), the exact posterior, out of sample by
  // construction): about a tenth of the samples sit between the classes. Measured on 1,024-wide embeddings of
  // 25,042 samples: the class preference, added inside the log ratio, flagged every one with p < 0.6 (10.7%).
  const d = 1024;
  const n = 600;
  const rng = createRng(5);
  const mu = Float64Array.from({ length: d }, () => 0.04 * normal(rng));
  const x = new Float32Array(n * d);
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  const probs = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    const sign = y[i] === 1 ? 1 : -1;
    let t = 0;
    for (let j = 0; j < d; j++) {
      x[i * d + j] = sign * mu[j] + normal(rng);
      t += 2 * mu[j] * x[i * d + j];
    }
    // The planted far sample, 40% farther from everything than a typical one, with a confident class.
    if (i === 123) for (let j = 0; j < d; j++) x[i * d + j] *= 1.4;
    probs[2 * i + 1] = 1 / (1 + Math.exp(-t));
    probs[2 * i] = 1 - probs[2 * i + 1];
  }
  const unsure = Array.from({ length: n }, (_, i) => i).filter((i) => Math.max(probs[2 * i], probs[2 * i + 1]) < 0.6);
  assert.ok(unsure.length > 0.05 * n, `${unsure.length} unsure samples`);
  const points = { x, n, d };
  const report = scoreOutliers({
    spaces: [
      {
        train: points,
        test: { x: new Float32Array(0), n: 0, d },
        trainInTrain: nearestNeighbours(points, points, 10, { excludeSelf: true }),
        testInTrain: nearestNeighbours({ x: new Float32Array(0), n: 0, d }, points, 10),
      },
    ],
    yTrain: y,
    trainProbs: probs,
    testProbs: new Float64Array(0),
    numClasses: 2,
  });
  const out = flagged(report.trainScore);
  assert.ok(out.includes(123), `the far sample scored ${report.trainScore[123].toFixed(2)}`);
  // The distance part alone flags 14 here (its tail is heavier than a normal's); the class preference, inside the
  // log ratio, made it 69 (11.5%).
  assert.ok(out.length <= 0.04 * n, `${out.length} of ${n} flagged: ${out.slice(0, 10).join(', ')}`);
});

test('class-mean distances: a float64 reference, and computed beforehand they give the same report', () => {
  const all = blobs(250, 6, 4, 9, 0, 0.7);
  const train = { x: all.phi.slice(0, 200 * 6), n: 200, d: 6 };
  const test = { x: all.phi.slice(200 * 6), n: 50, d: 6 };
  const y = all.y.slice(0, 200);
  // Class 3 left without training samples: no mean to be near.
  for (let i = 0; i < 200; i++) if (y[i] === 3) y[i] = 2;
  const [trainDistances, testDistances] = classMeanDistances(train, test, y, 4);
  for (const [points, got] of [
    [train, trainDistances],
    [test, testDistances],
  ] as const)
    for (let i = 0; i < points.n; i++) {
      const want = Math.min(
        ...[0, 1, 2].map((c) => {
          const members = Array.from(y.keys()).filter((j) => y[j] === c);
          return Math.hypot(
            ...Array.from({ length: 6 }, (_, f) => {
              const mean = members.reduce((s, j) => s + train.x[j * 6 + f], 0) / members.length;
              return points.x[i * 6 + f] - mean;
            }),
          );
        }),
      );
      assert.ok(Math.abs(got[i] - want) <= 1e-12 * (1 + want), `sample ${i}: ${got[i]} against ${want}`);
    }
  const space = {
    train,
    test,
    trainInTrain: nearestNeighbours(train, train, 10, { excludeSelf: true }),
    testInTrain: nearestNeighbours(test, train, 10),
  };
  const probs = (n: number) => Float64Array.from({ length: n * 4 }, (_, q) => (q % 4 === 1 ? 0.7 : 0.1));
  const score = (spaces: OutlierSpace[]) =>
    scoreOutliers({ spaces, yTrain: y, trainProbs: probs(200), testProbs: probs(50), numClasses: 4 });
  const inside = score([space]);
  const before = score([{ ...space, classMean: [trainDistances, testDistances] }]);
  assert.deepEqual(before.trainScore, inside.trainScore);
  assert.deepEqual(before.testScore, inside.testScore);
});

test('class-mean distances over many classes (four summed side by side): the one-class loop’s numbers', () => {
  // 11 classes, one without training samples: two groups of four, then the rest one by one.
  const d = 13;
  const all = blobs(400, d, 11, 21, 0, 0.9);
  const train = { x: all.phi.slice(0, 300 * d), n: 300, d };
  const test = { x: all.phi.slice(300 * d), n: 100, d };
  const y = all.y.slice(0, 300).map((k) => (k === 6 ? 7 : k));
  const means = Array.from({ length: 11 }, (_, k) => {
    const members = Array.from(y.keys()).filter((i) => y[i] === k);
    const mean = new Float64Array(d);
    for (const i of members) for (let j = 0; j < d; j++) mean[j] += train.x[i * d + j];
    return members.length > 0 ? mean.map((v) => v / members.length) : undefined;
  });
  const oneByOne = (points: typeof train) =>
    Float64Array.from({ length: points.n }, (_, i) => {
      let best = Infinity;
      for (const mean of means) {
        if (!mean) continue;
        let s = 0;
        for (let j = 0; j < d; j++) {
          const v = points.x[i * d + j] - mean[j];
          s += v * v;
        }
        best = Math.min(best, s);
      }
      return Math.sqrt(best);
    });
  const [trainDistances, testDistances] = classMeanDistances(train, test, y, 11);
  assert.deepEqual(trainDistances, oneByOne(train));
  assert.deepEqual(testDistances, oneByOne(test));
});
