/**
 * Outliers (issue 17): samples unlike the training data. One score from two
 * signals that fail in different places:
 *
 * - r = mean distance to the OUTLIER_K nearest training samples (feature
 *   space, the sample itself excluded), divided by the median of that over
 *   the training set: 1 is typical, 3 is three times as far from its
 *   neighbours as a typical sample;
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
import type { Neighbours } from './knn';

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

export function scoreOutliers(input: {
  trainInTrain: Neighbours;
  testInTrain: Neighbours;
  nTrain: number;
  nTest: number;
  /** Out-of-sample probabilities, n × C and m × C. */
  trainProbs: Float64Array;
  testProbs: Float64Array;
  numClasses: number;
  cut?: number;
}): OutlierReport {
  const trainMean = meanDistances(input.trainInTrain, input.nTrain);
  const testMean = meanDistances(input.testInTrain, input.nTest);
  const scale = median(trainMean);
  const c = input.numClasses;
  const score = (mean: Float64Array, probs: Float64Array, n: number) => {
    const pref = classPreference(probs, n, c);
    return Float64Array.from(mean, (d, i) => (scale > 0 && Number.isFinite(d) ? (d / scale) * (2 - pref[i]) : NaN));
  };
  return {
    trainScore: score(trainMean, input.trainProbs, input.nTrain),
    testScore: score(testMean, input.testProbs, input.nTest),
    cut: input.cut ?? OUTLIER_CUT,
    k: input.trainInTrain.k,
  };
}
