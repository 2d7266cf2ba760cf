/**
 * The whole analysis: load → train (the model and k cross-fitting models, in
 * parallel) → fit the head to a tight optimum → exact influence → mislabel
 * ranking → a ResultsFile object. Plain Node; the CLI, the compute
 * subprocess and the benchmarks are thin shells over this function.
 */
import os from 'node:os';
import { throwIfAborted } from '../cancel';
import { loadDataset } from '../data';
import { InputError } from '../errors';
import { fitHead } from '../head/fitHead';
import { polishHeadNewton } from '../head/polishHead';
import { type HeadData, type HeadShape, headLosses, headParameterCount, headProbabilities } from '../head/softmaxHead';
import { defaultModelConfig } from '../models/defaults';
import { computeFeatures } from '../models/train';
import type { ModelConfig } from '../models/types';
import { runTrainTasks } from '../parallel/pool';
import type { TrainTask } from '../parallel/messages';
import { initBackend } from '../tf/backend';
import type { LoadedDataset } from '../types';
import { retrainFullNetwork } from '../reliability/retrain';
import { buildResults } from './buildResults';
import { runInfluenceStage } from './influenceStage';
import { runReliabilityCheck } from './reliabilityStage';
import { crossFitTasks, collectOutOfSample } from './crossfit';
import { DEFAULTS, type AnalyzeOptions, type Progress } from './options';
import { rankLabelIssues } from './rankLabelIssues';
import { StageTimeLeft } from './timeLeft';
import { validateOptions, validateRun } from './validateRun';
import type { ResultsFile } from '../results/schema';

/** Worker threads worth starting: one tfjs instance per core, at most one per task. */
export function resolveWorkers(requested: number | undefined, tasks: number): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(requested ?? cores, tasks));
}

function modelConfig(options: AnalyzeOptions, data: LoadedDataset, seed: number): ModelConfig {
  const kind = options.model ?? DEFAULTS.model;
  if (kind === 'cnn' && !data.imageShape) {
    throw new InputError(options.datasetPath, 'the cnn model needs image data (an image folder or JSONL with image paths); use --model mlp or logreg');
  }
  const base = defaultModelConfig(kind);
  return {
    ...base,
    seed,
    hidden: options.hidden ?? base.hidden,
    epochs: options.epochs ?? base.epochs,
    weightDecay: options.weightDecay ?? base.weightDecay,
  };
}

export class StageClock {
  readonly stages: Record<string, number> = {};
  private last = performance.now();
  readonly start = this.last;
  lap(name: string): void {
    const now = performance.now();
    this.stages[name] = (this.stages[name] ?? 0) + (now - this.last) / 1000;
    this.last = now;
  }
  total(): number {
    return (performance.now() - this.start) / 1000;
  }
}

export async function analyze(options: AnalyzeOptions): Promise<ResultsFile> {
  const clock = new StageClock();
  const timeLeft = new StageTimeLeft();
  const report = (p: Progress) => options.onProgress?.(timeLeft.annotate(p));
  const seed = options.seed ?? DEFAULTS.seed;
  const folds = Math.max(2, options.folds ?? DEFAULTS.folds);
  const topK = Math.max(0, options.topK ?? DEFAULTS.topK);
  validateOptions(options);

  const backend = await initBackend(options.backend);
  report({ stage: 'load', done: 0, total: 1 });
  const data = await loadDataset(options.datasetPath, {
    testPath: options.testPath,
    labelColumn: options.labelColumn,
    seed,
    maxSamples: options.maxSamples,
    onProgress: (done, total) => report({ stage: 'load', done, total }),
  });
  throwIfAborted(options.signal);
  validateRun(options, data, { backend: backend.name, workers: resolveWorkers(options.workers, folds + 1) });
  clock.lap('load');

  const config = modelConfig(options, data, seed);
  const numClasses = data.classes.length;
  const trainData = {
    // Shared with the worker threads rather than copied into each task's message.
    x: inSharedMemory(data.train.x),
    y: data.train.y,
    n: data.train.y.length,
    dims: data.dims,
    numClasses,
    imageShape: data.imageShape,
  };

  // One task for the model itself, one per fold; all at once so both cores stay busy.
  const choice = options.method ?? DEFAULTS.method;
  const mainTask: TrainTask = {
    type: 'train', taskId: 0, config, data: trainData, backend: options.backend, checkpoints: choice === 'tracin',
  };
  const { tasks: foldTasks, heldOut } = crossFitTasks(trainData, config, folds, seed, options.backend);
  const tasks = [mainTask, ...foldTasks];
  const workers = resolveWorkers(options.workers, tasks.length);
  const epochsTotal = tasks.length * Math.max(config.epochs, 1);
  const epochsDone = new Map<number, number>();
  report({ stage: 'train', done: 0, total: epochsTotal, message: `${tasks.length} models on ${workers} worker(s)` });
  const trained = await runTrainTasks(tasks, {
    workers,
    signal: options.signal,
    onProgress: (taskId, p) => {
      epochsDone.set(taskId, p.epoch);
      let done = 0;
      for (const v of epochsDone.values()) done += v;
      report({ stage: 'train', done, total: epochsTotal, message: `loss ${p.loss.toFixed(4)}` });
    },
  });
  clock.lap('train');
  const l2 = trainData.n * config.weightDecay;
  let net = trained[0].net;
  if (options.converge) {
    report({ stage: 'converge', done: 0, total: 1, message: 'full-batch L-BFGS over every parameter' });
    const converged = retrainFullNetwork(net, trainData, l2, new Set(), { signal: options.signal });
    net = { ...converged.net, checkpoints: net.checkpoints };
    throwIfAborted(options.signal);
    clock.lap('converge');
  }
  const oosProbs = collectOutOfSample(trained.slice(1), heldOut, trainData.n, numClasses);

  report({ stage: 'features', done: 0, total: 2 });
  const inBatches = (x: Float32Array, n: number) => computeFeatures(net, x, n, undefined, undefined, options.signal);
  const train: HeadData = { phi: inBatches(data.train.x, trainData.n), y: data.train.y, n: trainData.n };
  const test: HeadData = { phi: inBatches(data.test.x, data.test.y.length), y: data.test.y, n: data.test.y.length };
  throwIfAborted(options.signal);
  clock.lap('features');

  const shape: HeadShape = { featureDim: net.featureDim, numClasses };
  const p = headParameterCount(shape);
  const maxExact = options.maxExactParameters ?? DEFAULTS.maxExactParameters;
  const canFactor = p <= maxExact;
  report({ stage: 'fit', done: 0, total: 1 });
  const lbfgs = fitHead(train, shape, l2, { init: net.head, meanGradTolerance: 1e-7, signal: options.signal });
  throwIfAborted(options.signal);
  clock.lap('fitHead');
  let head = lbfgs.head;
  let headGradientNorm = lbfgs.meanGradNorm;
  let trainProbs: Float64Array;
  let factor: Float64Array | undefined;
  let headDamping = 0;
  if (canFactor) {
    report({ stage: 'hessian', done: 0, total: 1, message: `${p} parameters` });
    const polished = polishHeadNewton(train, shape, l2, lbfgs.head, { signal: options.signal });
    ({ head, probs: trainProbs, factor, damping: headDamping } = polished);
    headGradientNorm = polished.meanGradNorm;
    throwIfAborted(options.signal);
    clock.lap('hessian');
  } else {
    trainProbs = headProbabilities(train, shape, head);
  }
  const fitted = { ...net, head };
  const testProbs = headProbabilities(test, shape, head);
  const testData = { ...trainData, x: data.test.x, y: data.test.y, n: data.test.y.length };

  const influence = runInfluenceStage({
    choice,
    requestedTarget: options.target,
    net: fitted,
    train,
    test,
    trainData,
    testData,
    shape,
    trainProbs,
    testProbs,
    l2,
    factor,
    headDamping,
    maxExactParameters: maxExact,
    topK,
    explainCount: options.explain ?? DEFAULTS.explain,
    subsetFraction: options.subsetFraction ?? DEFAULTS.subsetFraction,
    seed,
    signal: options.signal,
    report,
  });
  clock.lap('influence');

  const reliability = options.verify
    ? await runReliabilityCheck({
        influence, removals: options.verify, testPoints: options.verifyTestPoints ?? DEFAULTS.verifyTestPoints,
        net: fitted, train, test, shape, l2, trainData, testData, canFactor, factor, seed, signal: options.signal,
        workers: resolveWorkers(options.workers, options.verify + 1), backend: options.backend, report,
      })
    : null;
  if (reliability) clock.lap('verify');

  report({ stage: 'ranking', done: 0, total: 1 });
  const trainLoss = headLosses(trainProbs, data.train.y, numClasses);
  const ranking = rankLabelIssues({ oosProbs, y: data.train.y, numClasses, trainLoss, selfInfluence: influence.selfInfluence });
  clock.lap('ranking');

  return buildResults({
    data,
    backend,
    workers,
    config,
    net: fitted,
    headGradientNorm,
    l2,
    topK,
    folds,
    trainProbs,
    testProbs,
    trainLoss,
    testLoss: headLosses(testProbs, data.test.y, numClasses),
    influence,
    reliability,
    ranking,
    timings: clock,
  });
}

/**
 * The same values in a SharedArrayBuffer: posting it to a worker shares the
 * memory instead of cloning it (one copy of the features for every training
 * task). Falls back to the array itself where SharedArrayBuffer is missing.
 */
function inSharedMemory(x: Float32Array): Float32Array {
  if (typeof SharedArrayBuffer === 'undefined' || x.buffer instanceof SharedArrayBuffer) return x;
  const shared = new Float32Array(new SharedArrayBuffer(x.byteLength));
  shared.set(x);
  return shared;
}
