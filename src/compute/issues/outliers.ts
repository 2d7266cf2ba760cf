/**
 * Outliers (issue 17): samples unlike the training data. One score from two
 * signals that fail in different places:
 *
 * - r = how far the sample lies from the training data. In each space it is
 *   measured in, the larger of two ratios, each 1 for a typical training
 *   sample (divided by its median over the training set): the mean distance
 *   to the OUTLIER_K nearest training samples (the sample itself excluded),
 *   and the distance to the nearest class mean. The k-NN ratio finds isolated
 *   samples; the class mean finds a CLUSTER of outliers (a batch of corrupt
 *   images is its own neighbourhood, so its k-NN distances look typical). The
 *   spaces are the model's feature space (penultimate layer or embeddings)
 *   and, where affordable, the input space; r is their geometric mean. Why
 *   both: a trained body maps inputs it never learned to *somewhere*, often
 *   near real classes (measured on the benchmark's uniform-noise images in
 *   MNIST: feature-space scores overlap real but unusual digits), while
 *   unusual but genuine samples are unusual in the feature space more than in
 *   the input space;
 * - c = how much the out-of-sample model prefers any class,
 *   (max_k p(k) − 1/C) / (1 − 1/C) in [0, 1]: 0 when every class is equally
 *   (im)probable. A weak signal on its own — networks extrapolate with
 *   confidence (the noise images got out-of-sample probabilities up to 1.0),
 *   and a sample between two classes is unsure without being unusual — so
 *   it only adds, at most PROBABILITY_BONUS robust standard deviations:
 *
 *   s = log r,
 *   outlierScore = (s − median s) / (1.4826 · MAD s) + PROBABILITY_BONUS · (1 − c)
 *
 * a robust z-score (medians over the training set): how many (robust)
 * standard deviations a sample lies farther from the training data than the
 * typical training sample. A ratio cut would depend on the dimension (k-NN
 * distance ratios spread widely in 4 dimensions and hardly at all in 784);
 * the z-score does not. Flagged at OUTLIER_CUT = 3. The class preference is
 * added in z units, not inside s, for the same reason: inside s it was a
 * fixed amount against a spread that shrinks with the dimension — on 1,024-
 * wide embeddings of Gaussian classes every sample the model was unsure of
 * (p < 0.6: 947 of 25,042) was flagged, 10.7% of clean data, each as near
 * its neighbours as any other. Probabilities are out of sample for both
 * splits (cross-fitted for training samples; the model never saw the test
 * samples).
 */
import { median } from './duplicates';
import { squaredDistancesFromRow } from './rowDistances';
import type { Neighbours, Points } from './knn';

export const OUTLIER_K = 10;
export const OUTLIER_CUT = 3;
/** The most a sample no class claims gains, in robust standard deviations: it can tip a distant sample over. */
export const PROBABILITY_BONUS = 1;

/** One space the distances are measured in: its points and their k-NN among the training points. */
export interface OutlierSpace {
  train: Points;
  test: Points;
  trainInTrain: Neighbours;
  testInTrain: Neighbours;
  /** classMeanDistances of train and test, when computed beforehand. */
  classMean?: [Float64Array, Float64Array];
}

export interface OutlierReport {
  trainScore: Float64Array;
  testScore: Float64Array;
  cut: number;
  k: number;
  /** 1: feature space only; 2: feature and input space. */
  spaces: number;
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
  // Where each class with training samples has its mean.
  const offsets = Int32Array.from(
    Array.from(counts.keys()).filter((c) => counts[c] > 0),
    (c) => c * d,
  );
  const squared = new Float64Array(offsets.length);
  return queries.map(({ x, n }) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      squaredDistancesFromRow(x, i * d, d, means, offsets, offsets.length, squared);
      let best = Infinity;
      for (const s of squared) best = Math.min(best, s);
      out[i] = Math.sqrt(best);
    }
    return out;
  });
}

/**
 * The distances of a space's training and test points to the nearest class mean: the part of r that needs no
 * neighbours, which findIssues computes while the helper thread searches (OutlierSpace.classMean).
 */
export function classMeanDistances(
  train: Points,
  test: Points,
  yTrain: Int32Array,
  numClasses: number,
): [Float64Array, Float64Array] {
  const [trainDistances, testDistances] = nearestClassMean(train, yTrain, numClasses, [train, test]);
  return [trainDistances, testDistances];
}

/** r per training and test sample in one space (see the top). */
function spaceRatios(space: OutlierSpace, yTrain: Int32Array, numClasses: number): [Float64Array, Float64Array] {
  const trainMean = meanDistances(space.trainInTrain, space.train.n);
  const testMean = meanDistances(space.testInTrain, space.test.n);
  const [trainCentroid, testCentroid] =
    space.classMean ?? classMeanDistances(space.train, space.test, yTrain, numClasses);
  const knnScale = median(trainMean);
  const centroidScale = median(trainCentroid);
  const ratio = (mean: Float64Array, centroid: Float64Array) =>
    Float64Array.from(mean, (d, i) => {
      const knn = knnScale > 0 && Number.isFinite(d) ? d / knnScale : NaN;
      return centroidScale > 0 ? Math.max(knn, centroid[i] / centroidScale) : knn;
    });
  return [ratio(trainMean, trainCentroid), ratio(testMean, testCentroid)];
}

export function scoreOutliers(input: {
  /** The feature space first; the input space too where it was affordable. */
  spaces: OutlierSpace[];
  yTrain: Int32Array;
  /** Out-of-sample probabilities, n × C and m × C. */
  trainProbs: Float64Array;
  testProbs: Float64Array;
  numClasses: number;
  cut?: number;
}): OutlierReport {
  const c = input.numClasses;
  const ratios = input.spaces.map((space) => spaceRatios(space, input.yTrain, c));
  // log r: the mean of the spaces' log ratios (their geometric mean).
  const logRatio = (split: 0 | 1, n: number) =>
    Float64Array.from({ length: n }, (_, i) => ratios.reduce((s, r) => s + Math.log(r[split][i]), 0) / ratios.length);
  const nTrain = input.spaces[0].train.n;
  const nTest = input.spaces[0].test.n;
  const train = logRatio(0, nTrain);
  const centre = median(train);
  const spread = 1.4826 * median(train.map((v) => Math.abs(v - centre)));
  const score = (s: Float64Array, probs: Float64Array) => {
    const pref = classPreference(probs, s.length, c);
    return s.map((v, i) => (spread > 0 ? (v - centre) / spread + PROBABILITY_BONUS * (1 - pref[i]) : NaN));
  };
  return {
    trainScore: score(train, input.trainProbs),
    testScore: score(logRatio(1, nTest), input.testProbs),
    cut: input.cut ?? OUTLIER_CUT,
    k: input.spaces[0].trainInTrain.k,
    spaces: input.spaces.length,
  };
}
