/**
 * Outliers (issue 17): a planted far-away sample that no class claims ranks
 * first and is the only one above the cut; a CLUSTER of such samples (a batch
 * of corrupt images is its own neighbourhood, which hides it from k-NN
 * distances) is still found, through the distance to the nearest class mean.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestNeighbours } from '../../../src/compute/issues/knn';
import { OUTLIER_CUT, scoreOutliers } from '../../../src/compute/issues/outliers';
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
