/** Wires the reliability check to the model: what "retrain without sample i" means for each target. */
import { type HeadData, type HeadShape, headLosses, headProbabilities } from '../head/softmaxHead';
import type { HeadFactor } from '../head/headFactor';
import type { TrainedNetwork, TrainingData } from '../models/types';
import { throwIfAborted } from '../cancel';
import type { TrainTask } from '../parallel/messages';
import { runTrainTasks } from '../parallel/pool';
import { retrainHead } from '../reliability/retrain';
import { planVerification, type ReliabilityReport, reportVerification, verifyInfluence } from '../reliability/verify';
import type { InfluenceStageResult } from './influenceStage';
import { type DataViews, type Fitted, resolveWorkers } from './fit';
import { DEFAULTS, type Progress } from './options';

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
  /** The head's damped Hessian at θ̂ factored (headFactor.ts), when it was factored. */
  factor?: HeadFactor;
  seed: number;
  /** Worker threads for the whole-network retrainings (each is independent). */
  workers: number;
  /** The backend the analysis asked for: the retrainings run on it too. */
  backend?: TrainTask['backend'];
  signal?: AbortSignal;
  report: (p: Progress) => void;
}

function rowsOf(data: TrainingData, tests: number[]): TrainingData {
  const x = new Float32Array(tests.length * data.dims);
  tests.forEach((t, j) => x.set(data.x.subarray(t * data.dims, (t + 1) * data.dims), j * data.dims));
  return { ...data, x, y: Int32Array.from(tests, (t) => data.y[t]), n: tests.length };
}

export async function runReliabilityCheck(input: ReliabilityStageInput): Promise<ReliabilityReport> {
  const { influence, shape } = input;
  const common = {
    removals: input.removals,
    testCandidates: influence.explained ?? Array.from({ length: input.test.n }, (_, t) => t),
    testPoints: input.testPoints,
    nTrain: input.train.n,
    seed: input.seed,
    retrain: influence.target,
    scoreRow: influence.scoreRow,
  };
  if (influence.target === 'last-layer') {
    // Features stay frozen: this measures the last-layer model the influence describes.
    // Each refit takes milliseconds, so they run here, one after another.
    return verifyInfluence({
      ...common,
      testLossesWithout: (i, tests) => {
        const head = retrainHead(
          input.train,
          shape,
          input.l2,
          input.net.head,
          new Set(i >= 0 ? [i] : []),
          input.canFactor,
          input.factor,
          input.signal,
        );
        const f = shape.featureDim;
        const phi = new Float32Array(tests.length * f);
        tests.forEach((t, j) => phi.set(input.test.phi.subarray(t * f, (t + 1) * f), j * f));
        const subset = { phi, y: Int32Array.from(tests, (t) => input.test.y[t]), n: tests.length };
        return headLosses(headProbabilities(subset, shape, head), subset.y, shape.numClasses);
      },
      signal: input.signal,
      onProgress: (done, total) =>
        input.report({ stage: 'verify', done, total, message: `retraining without sample ${done}/${total}` }),
    });
  }
  // The whole network, from θ̂, by full-batch L-BFGS — seconds to minutes each, and independent, so
  // they run on the worker threads. The baseline (nothing removed) goes through the same procedure.
  const plan = planVerification(common);
  const subset = rowsOf(input.testData, plan.tests);
  const removals = [[], ...plan.removed.map((i) => [i])];
  input.report({
    stage: 'verify',
    done: 0,
    total: removals.length,
    message: `${removals.length} whole-network retrainings`,
  });
  const tasks: TrainTask[] = removals.map((removed, k) => ({
    type: 'train',
    taskId: k,
    config: input.net.config,
    data: input.trainData,
    evalX: subset.x,
    evalN: subset.n,
    retrain: { start: input.net, l2: input.l2, removed },
    backend: input.backend,
  }));
  const done = await runTrainTasks(tasks, {
    workers: input.workers,
    signal: input.signal,
    onTaskDone: (finished, total) =>
      input.report({ stage: 'verify', done: finished, total, message: `${total} whole-network retrainings` }),
  });
  throwIfAborted(input.signal);
  const losses = done.map((d) => {
    const probs = d.evalProbs as Float32Array;
    return Float64Array.from(
      plan.tests,
      (_, j) => -Math.log(Math.max(probs[j * shape.numClasses + subset.y[j]], 1e-30)),
    );
  });
  input.report({ stage: 'verify', done: removals.length, total: removals.length });
  return { ...reportVerification(plan, losses[0], losses.slice(1)), retrainBackend: done[0].backend };
}

/** The reliability check of a scored fit: retrain without `removals` samples one at a time and correlate. */
export function verify(
  fitted: Fitted,
  views: DataViews,
  influence: InfluenceStageResult,
  options: {
    removals: number;
    testPoints?: number;
    workers?: number;
    backend?: TrainTask['backend'];
    signal?: AbortSignal;
    report: (p: Progress) => void;
  },
): Promise<ReliabilityReport> {
  return runReliabilityCheck({
    influence,
    removals: options.removals,
    testPoints: options.testPoints ?? DEFAULTS.verifyTestPoints,
    net: fitted.net,
    train: fitted.train,
    test: fitted.test,
    shape: fitted.shape,
    l2: fitted.l2,
    trainData: views.trainData,
    testData: views.testData,
    canFactor: fitted.factor !== undefined,
    factor: fitted.factor,
    seed: fitted.settings.seed,
    signal: options.signal,
    workers: resolveWorkers(options.workers, options.removals + 1),
    backend: options.backend,
    report: options.report,
  });
}
