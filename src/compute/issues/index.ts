/**
 * The data-issue passes of issue 17 over a fitted head: duplicates and
 * leakage, outliers, harmful/helpful training samples with the
 * remove-and-retrain check, and per-class health. Everything runs on the
 * fit's features (the penultimate layer or the user's embeddings) and
 * out-of-sample probabilities, so it costs no training beyond the one head
 * refit of the check.
 */
import { throwIfAborted } from '../cancel';
import { createRng, deriveSeed, permutation } from '../random';
import { type ClassHealth, classHealth, type ConfusedPair, confusedPairs } from './classHealth';
import { type DuplicateReport, findDuplicates, nearDuplicateCut } from './duplicates';
import {
  defaultRemovalCount,
  harmfulOrder,
  type HeadState,
  removeAndRetrain,
  type RemovalCheck,
  totalTestInfluence,
} from './harmful';
import { EXACT_KNN_LIMIT, type KnnOptions, nearestNeighbours, type Neighbours, type Points } from './knn';
import { duplicateLabelConflict } from './labelConflict';
import { classMeanDistances, OUTLIER_K, type OutlierReport, type OutlierSpace, scoreOutliers } from './outliers';
import { withoutZeroColumns } from './zeroColumns';

/**
 * The input space is searched against a seeded random subset of this many
 * training samples (the distance to the k nearest of a uniform subset
 * changes by the same factor for every sample, so the ratio to its median is
 * kept): its products cost n × 4000 × dims, not n² × dims (MNIST 10k: 3 s of
 * products instead of 8).
 */
const INPUT_SPACE_REFERENCES = 4000;
/** Largest n·references·dims for the input-space k-NN: beyond it outliers are measured in the feature space alone. */
const INPUT_SPACE_BUDGET = 5e11;
import type { SplitView } from './types';

/** nearestNeighbours with a name per search, so a caller can answer a search it kept (pipeline/neighbourCache.ts). */
export type NeighbourSearch = (
  name: string,
  queries: Points,
  refs: Points,
  k: number,
  options: KnnOptions,
) => Neighbours;

const searchAll: NeighbourSearch = (_, queries, refs, k, options) => nearestNeighbours(queries, refs, k, options);

export interface IssuesInput {
  state: HeadState;
  classes: string[];
  /** The model's inputs (images as pixels, rows as encoded features): the second space outliers are measured in. */
  inputs?: { train: Points; test: Points };
  /** Content fingerprints per split (loader); absent: no exact-duplicate pass. */
  trainHash?: Float64Array;
  testHash?: Float64Array;
  /** Cross-fitted out-of-sample probabilities of the training samples, n × C. */
  oosProbs: Float64Array;
  /** Whether each training sample is among the estimated label errors. */
  likelyLabelIssue: (i: number) => boolean;
  /** The neighbours and duplicates, when they were found before the ranking (findNeighbours). */
  neighbours?: IssueNeighbours;
  /** Samples removed by the check: 0 skips it; default 1% of the training set. */
  removeHarmful?: number;
  seed?: number;
  /** How each neighbour search runs; default: nearestNeighbours itself. */
  search?: NeighbourSearch;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface IssuesReport {
  duplicates: DuplicateReport;
  /** Per training sample (labelConflict.ts): the share of its duplicates with another label. */
  duplicateLabelConflict: Float64Array;
  outliers: OutlierReport;
  /** T_i per training sample (harmful.ts). */
  testInfluence: Float64Array;
  testInfluenceSolver: 'cholesky' | 'cg';
  /** The remove-the-most-harmful check; null when asked for 0 removals or there are none harmful. */
  removal: RemovalCheck | null;
  classes: ClassHealth[];
  confusedPairs: ConfusedPair[];
  /** How the neighbour search ran, in words. */
  search: string;
  /** Whether exact duplicates were found by content fingerprints. */
  fingerprints: boolean;
}

/**
 * The first part of the pass, which needs no label ranking: the feature-space neighbours and the duplicate sets. It
 * runs before the ranking so that duplicates with different labels can feed it (labelConflict.ts); findIssues takes
 * it back instead of searching again.
 */
export interface IssueNeighbours {
  trainInTrain: Neighbours;
  testInTrain: Neighbours;
  testInTest: Neighbours;
  duplicates: DuplicateReport;
  duplicateLabelConflict: Float64Array;
  /** The harmful samples and their check, when they were found during the searches (findHarm). */
  harm?: HarmReport;
}

/** T_i of every training sample and the remove-the-most-harmful check (harmful.ts). */
export interface HarmReport {
  influence: Float64Array;
  solver: 'cholesky' | 'cg';
  removal: RemovalCheck | null;
}

/**
 * The harmful samples and the refit without them. They need no neighbours: this thread computes them while the
 * helper thread takes part of a large search (knn.ts's meanwhile; the refit is 3 s of the 26-class issues stage).
 */
function findHarm(
  state: HeadState,
  removeHarmful: number | undefined,
  say?: (step: number, message: string) => void,
): HarmReport {
  const { train, test } = state;
  say?.(2, 'influence on the whole test set');
  const { influence, solver } = totalTestInfluence(state);
  throwIfAborted(state.signal);
  const k = removeHarmful ?? defaultRemovalCount(train.n);
  const harmful = harmfulOrder(influence).slice(0, k);
  say?.(3, `refitting without the ${harmful.length} most harmful samples`);
  const removal = harmful.length > 0 && test.n > 0 ? removeAndRetrain(state, influence, harmful) : null;
  return { influence, solver, removal };
}

/** The feature-space searches and duplicates, and (`withHarm`) the harmful samples while the first search runs. */
export function findNeighbours(
  input: Pick<IssuesInput, 'state' | 'trainHash' | 'testHash' | 'seed' | 'search' | 'signal' | 'removeHarmful'>,
  withHarm = false,
): IssueNeighbours {
  const { train, test, shape } = input.state;
  const trainPoints = { x: train.phi, n: train.n, d: shape.featureDim };
  const testPoints = { x: test.phi, n: test.n, d: shape.featureDim };
  const knnOptions = { signal: input.signal, seed: input.seed };
  const search = input.search ?? searchAll;
  // The searches skip the features no sample uses (zeroColumns.ts: the same distances, bit for bit), as a logistic
  // regression on raw pixels has (MNIST: 111 of 784); everything else takes the full vectors.
  const [searchTrain, searchTest] = withoutZeroColumns([trainPoints, testPoints]);
  let harm: HarmReport | undefined;
  const trainInTrain = search('features.train', searchTrain, searchTrain, OUTLIER_K, {
    ...knnOptions,
    excludeSelf: true,
    ...(withHarm && { meanwhile: () => (harm = findHarm(input.state, input.removeHarmful)) }),
  });
  const testInTrain = search('features.testInTrain', searchTest, searchTrain, OUTLIER_K, knnOptions);
  const testInTest = search('features.test', searchTest, searchTest, OUTLIER_K, { ...knnOptions, excludeSelf: true });
  throwIfAborted(input.signal);
  const trainView: SplitView = { features: trainPoints, y: train.y, contentHash: input.trainHash };
  const testView: SplitView = { features: testPoints, y: test.y, contentHash: input.testHash };
  const duplicates = findDuplicates({
    train: trainView,
    test: testView,
    trainInTrain,
    testInTrain,
    testInTest,
    cut: nearDuplicateCut(searchTrain.d),
  });
  return {
    trainInTrain,
    testInTrain,
    testInTest,
    duplicates,
    duplicateLabelConflict: duplicateLabelConflict(duplicates, train.y, test.y),
    harm,
  };
}

export function findIssues(input: IssuesInput): IssuesReport {
  const { state } = input;
  const { train, test, shape } = state;
  const say = (step: number, message: string) => input.onProgress?.(step, 4, message);
  const trainPoints = { x: train.phi, n: train.n, d: shape.featureDim };
  const testPoints = { x: test.phi, n: test.n, d: shape.featureDim };
  const knnOptions = { signal: input.signal, seed: input.seed };
  const search = input.search ?? searchAll;
  say(0, 'nearest neighbours in feature space');
  const found = input.neighbours ?? findNeighbours(input);
  const { trainInTrain, testInTrain, duplicates } = found;

  let harm = found.harm;
  const harmHere = () => (harm ??= findHarm(state, input.removeHarmful, say));

  say(1, 'duplicates and outliers');
  const c = shape.numClasses;
  const featureSpace: OutlierSpace = { train: trainPoints, test: testPoints, trainInTrain, testInTrain };
  const spaces: OutlierSpace[] = [featureSpace];
  const x = input.inputs;
  // The input space, unless it is the feature space (a logistic regression's features are its inputs) or too large.
  const references = Math.min(train.n, INPUT_SPACE_REFERENCES);
  if (x && x.train.d !== shape.featureDim && (train.n + test.n) * references * x.train.d <= INPUT_SPACE_BUDGET) {
    const referenceIds = Int32Array.from(
      permutation(train.n, createRng(deriveSeed(input.seed ?? 0, 'outlier-references'))).subarray(0, references),
    ).sort();
    // The inputs without the coordinates no sample uses: the same distances, in 14% fewer operations on MNIST.
    const [searchTrain, searchTest] = withoutZeroColumns([x.train, x.test]);
    // While the helper thread searches: the harm (when not found yet) and both spaces' class-mean distances.
    let inputClassMean: [Float64Array, Float64Array] | undefined;
    const meanwhile = () => {
      harmHere();
      featureSpace.classMean = classMeanDistances(trainPoints, testPoints, train.y, c);
      inputClassMean = classMeanDistances(searchTrain, searchTest, train.y, c);
    };
    const inputTrainInTrain = search('inputs.train', searchTrain, searchTrain, OUTLIER_K, {
      ...knnOptions,
      excludeSelf: true,
      referenceIds,
      meanwhile,
    });
    const inputTestInTrain = search('inputs.testInTrain', searchTest, searchTrain, OUTLIER_K, {
      ...knnOptions,
      referenceIds,
    });
    spaces.push({
      train: searchTrain,
      test: searchTest,
      trainInTrain: inputTrainInTrain,
      testInTrain: inputTestInTrain,
      classMean: inputClassMean,
    });
  }
  const outliers = scoreOutliers({
    spaces,
    yTrain: train.y,
    trainProbs: input.oosProbs,
    testProbs: state.testProbs,
    numClasses: c,
  });

  // A search answered from the kept ones (pipeline/neighbourCache.ts), or none, ran nothing meanwhile.
  const { influence, solver, removal } = harmHere();
  const removedSet = new Set(removal?.removed ?? []);

  const health = classHealth({
    classes: input.classes,
    yTrain: train.y,
    yTest: test.y,
    labelIssue: input.likelyLabelIssue,
    outlier: (i) => outliers.trainScore[i] >= outliers.cut,
    duplicate: (i) => duplicates.trainSet[i] >= 0,
    harmful: (i) => removedSet.has(i),
  });
  input.onProgress?.(4, 4, 'done');
  const exact = train.n <= EXACT_KNN_LIMIT;
  return {
    duplicates,
    duplicateLabelConflict: found.duplicateLabelConflict,
    outliers,
    testInfluence: influence,
    testInfluenceSolver: solver,
    removal,
    classes: health,
    confusedPairs: confusedPairs(input.classes, train.y, input.oosProbs),
    fingerprints: input.trainHash !== undefined && input.testHash !== undefined,
    search: exact
      ? `exact ${OUTLIER_K}-NN over ${train.n} training samples (blocked matrix products)`
      : `${OUTLIER_K}-NN within overlapping windows of 50000 samples sorted ` +
        `along a random direction (more than ${EXACT_KNN_LIMIT} training samples)`,
  };
}
