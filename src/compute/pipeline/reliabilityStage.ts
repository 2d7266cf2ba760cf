/** Wires the reliability check to the model: what "retrain without sample i" means for each target. */
import { type HeadData, type HeadShape, headLosses, headProbabilities } from '../head/softmaxHead';
import { predictProbabilities } from '../models/train';
import type { TrainedNetwork, TrainingData } from '../models/types';
import { retrainFullNetwork, retrainHead } from '../reliability/retrain';
import { type ReliabilityReport, verifyInfluence } from '../reliability/verify';
import type { InfluenceStageResult } from './influenceStage';
import type { Progress } from './options';

export interface ReliabilityStageInput {
  influence: InfluenceStageResult;
  removals: number;
  testPoints: number;
  net: TrainedNetwork;
  train: HeadData;
  test: HeadData;
  shape: HeadShape;
  l2: number;
  trainData: TrainingData;
  testData: TrainingData;
  canFactor: boolean;
  /** Cholesky factor of the head's Hessian at θ̂, when it was factored. */
  factor?: Float64Array;
  seed: number;
  signal?: AbortSignal;
  report: (p: Progress) => void;
}

function rowsOf(data: TrainingData, tests: number[]): TrainingData {
  const x = new Float32Array(tests.length * data.dims);
  tests.forEach((t, j) => x.set(data.x.subarray(t * data.dims, (t + 1) * data.dims), j * data.dims));
  return { ...data, x, y: Int32Array.from(tests, (t) => data.y[t]), n: tests.length };
}

export function runReliabilityCheck(input: ReliabilityStageInput): ReliabilityReport {
  const { influence, shape } = input;
  const retrain = influence.target;
  const testLossesWithout = (i: number, tests: number[]): Float64Array => {
    const removed = new Set(i >= 0 ? [i] : []);
    if (retrain === 'last-layer') {
      // Features stay frozen: this measures the last-layer model the influence describes.
      const head = retrainHead(input.train, shape, input.l2, input.net.head, removed, input.canFactor, input.factor);
      const f = shape.featureDim;
      const phi = new Float32Array(tests.length * f);
      tests.forEach((t, j) => phi.set(input.test.phi.subarray(t * f, (t + 1) * f), j * f));
      const subset = { phi, y: Int32Array.from(tests, (t) => input.test.y[t]), n: tests.length };
      return headLosses(headProbabilities(subset, shape, head), subset.y, shape.numClasses);
    }
    // The whole network, from θ̂, by full-batch L-BFGS: the baseline (nothing removed) goes through the same procedure.
    const retrained = retrainFullNetwork(input.net, input.trainData, input.l2, removed).net;
    const subset = rowsOf(input.testData, tests);
    const probs = predictProbabilities(retrained, subset.x, subset.n);
    return Float64Array.from(tests, (_, j) => -Math.log(Math.max(probs[j * shape.numClasses + subset.y[j]], 1e-30)));
  };
  return verifyInfluence({
    removals: input.removals,
    testCandidates: influence.explained ?? Array.from({ length: input.test.n }, (_, t) => t),
    testPoints: input.testPoints,
    nTrain: input.train.n,
    seed: input.seed,
    retrain,
    scoreRow: influence.scoreRow,
    testLossesWithout,
    signal: input.signal,
    onProgress: (done, total) => input.report({ stage: 'verify', done, total, message: `retraining without sample ${done}/${total}` }),
  });
}
