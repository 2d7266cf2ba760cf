/** Outliers (issue 17): a planted far-away sample that no class claims ranks first and is the only one above the cut. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestNeighbours } from '../../../src/compute/issues/knn';
import { OUTLIER_CUT, scoreOutliers } from '../../../src/compute/issues/outliers';
import { initBackend } from '../../../src/compute/tf/backend';
import { blobs } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

test('a planted outlier ranks first in the training and in the test set, alone above the cut', () => {
  const f = 4;
  const c = 3;
  // One draw (the same blob centres), split into train and test.
  const all = blobs(360, f, c, 5, 0, 0.5);
  const train = { phi: all.phi.slice(0, 300 * f), y: all.y.slice(0, 300), n: 300 };
  const test = { phi: all.phi.slice(300 * f), y: all.y.slice(300), n: 60 };
  // Training sample 17 and test sample 8 moved far from every blob.
  for (const [data, i] of [[train, 17], [test, 8]] as const) for (let j = 0; j < f; j++) data.phi[i * f + j] = 12 + j;
  // Out-of-sample probabilities: confident in the blob's class, uniform for the planted samples.
  const probs = (n: number, y: Int32Array, planted: number) =>
    Float64Array.from({ length: n * c }, (_, q) => (Math.floor(q / c) === planted ? 1 / c : q % c === y[Math.floor(q / c)] ? 0.9 : 0.05));
  const tp = { x: train.phi, n: train.n, d: f };
  const sp = { x: test.phi, n: test.n, d: f };
  const report = scoreOutliers({
    trainInTrain: nearestNeighbours(tp, tp, 10, { excludeSelf: true }),
    testInTrain: nearestNeighbours(sp, tp, 10),
    nTrain: train.n,
    nTest: test.n,
    trainProbs: probs(train.n, train.y, 17),
    testProbs: probs(test.n, test.y, 8),
    numClasses: c,
  });
  for (const [scores, planted] of [[report.trainScore, 17], [report.testScore, 8]] as const) {
    const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
    assert.equal(order[0], planted);
    assert.deepEqual(Array.from(scores.keys()).filter((i) => scores[i] >= OUTLIER_CUT), [planted]);
  }
});
