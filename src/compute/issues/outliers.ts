/**
 * Outliers (issue 17): samples unlike the training data. One score from two
 * signals that fail in different places:
 *
 * - r = how far the sample lies from the training data, the larger of two
 *   ratios, each 1 for a typical training sample (divided by its median over
 *   the training set): the mean distance to the OUTLIER_K nearest training
 *   samples (feature space, the sample itself excluded), and the distance to
 *   the nearest class mean. The k-NN ratio finds isolated samples; the class
 *   mean finds a CLUSTER of outliers (a batch of blank or corrupt images is
 *   its own neighbourhood, so its k-NN distances look typical — measured on
 *   the benchmark's noise images: recall 0 at the cut with k-NN alone);
 * - c = how much the out-of-sample model prefers any class,
 *   (max_k p(k) − 1/C) / (1 − 1/C) in [0, 1]: 0 when every class is equally
 *   (im)probable — the model recognises nothing in the sample.
 *
 *   outlierScore = r · (2 − c)
 *
 * A typical, recognised sample scores ≈ 1; the cut OUTLIER_CUT = 3 flags a
 * sample 1.5× as far from its neighbours as usual that no class claims, or
 * 3× as far even when one class does. Probabilities are out of sample for
 * both splits (cross-fitted for training samples; the model never saw the
 * test samples).
 */
import { median } from './duplicates';
import type { Neighbours, Points } from './knn';

export const OUTLIER_K = 10;
export const OUTLIER_CUT = 3;

export interface OutlierReport {
  trainScore: Float64Array;
  testScore: Float64Array;
  cut: number;
  k: number;
}

function meanDistances(nb: Neighbours, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    let s = 0;
    let count = 0;
    for (let j = 0; j < nb.k; j++) {
      const d = nb.distance[i * nb.k + j];
      if (!Number.isFinite(d)) break;
      s += d;
      count++;
    }
    return count ? s / count : NaN;
  });
}

/** (max_k p − 1/C)/(1 − 1/C) per row of an n × C probability matrix. */
export function classPreference(probs: Float64Array, n: number, c: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    let max = 0;
    for (let k = 0; k < c; k++) max = Math.max(max, probs[i * c + k]);
    return c > 1 ? Math.min(1, Math.max(0, (max - 1 / c) / (1 - 1 / c))) : 1;
  });
}

/** Per row of each query set: Euclidean distance to the nearest class mean of the training features. */
export function nearestClassMean(train: Points, y: Int32Array, numClasses: number, queries: Points[]): Float64Array[] {
  const d = train.d;
  const means = new Float64Array(numClasses * d);
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < train.n; i++) {
    counts[y[i]]++;
    for (let j = 0; j < d; j++) means[y[i] * d + j] += train.x[i * d + j];
  }
  for (let c = 0; c < numClasses; c++) for (let j = 0; j < d; j++) means[c * d + j] /= Math.max(counts[c], 1);
  return queries.map((q) =>
    Float64Array.from({ length: q.n }, (_, i) => {
      let best = Infinity;
      for (let c = 0; c < numClasses; c++) {
        if (!counts[c]) continue;
        let s = 0;
        for (let j = 0; j < d; j++) {
          const v = q.x[i * d + j] - means[c * d + j];
          s += v * v;
        }
        best = Math.min(best, s);
      }
      return Math.sqrt(best);
    }),
  );
}

export function scoreOutliers(input: {
  trainInTrain: Neighbours;
  testInTrain: Neighbours;
  nTrain: number;
  nTest: number;
  /** Out-of-sample probabilities, n × C and m × C. */
  trainProbs: Float64Array;
  testProbs: Float64Array;
  numClasses: number;
  /** Features and given labels, for the distance to the nearest class mean. */
  features: { train: Points; test: Points; yTrain: Int32Array };
  cut?: number;
}): OutlierReport {
  const trainMean = meanDistances(input.trainInTrain, input.nTrain);
  const testMean = meanDistances(input.testInTrain, input.nTest);
  const scale = median(trainMean);
  const f = input.features;
  const [trainCentroid, testCentroid] = nearestClassMean(f.train, f.yTrain, input.numClasses, [f.train, f.test]);
  const centroidScale = median(trainCentroid);
  const c = input.numClasses;
  const score = (mean: Float64Array, centroid: Float64Array, probs: Float64Array, n: number) => {
    const pref = classPreference(probs, n, c);
    return Float64Array.from(mean, (d, i) => {
      if (!(scale > 0) || !Number.isFinite(d)) return NaN;
      const r = Math.max(d / scale, centroidScale > 0 ? centroid[i] / centroidScale : 0);
      return r * (2 - pref[i]);
    });
  };
  return {
    trainScore: score(trainMean, trainCentroid, input.trainProbs, input.nTrain),
    testScore: score(testMean, testCentroid, input.testProbs, input.nTest),
    cut: input.cut ?? OUTLIER_CUT,
    k: input.trainInTrain.k,
  };
}
