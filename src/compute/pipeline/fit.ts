/**
 * fit(): everything of an analysis that does not depend on how it is scored
 * (the method, target, top-k, explained samples, reliability check) — train
 * the model and the k cross-fitting models in parallel, converge, features,
 * the head at its optimum with its factored Hessian, out-of-sample
 * probabilities. The result, a Fitted, is scored any number of times
 * (score.ts) and can be saved beside the results (fitStore.ts), the way
 * Kronfluence separates fit_all_factors from compute_pairwise_scores.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { throwIfAborted } from '../cancel';
import { InputError } from '../errors';
import { defaultModelConfig } from '../models/defaults';
import type { ModelConfig, TrainedNetwork, TrainingData, TrainProgress } from '../models/types';
import type { TrainDone, TrainTask } from '../parallel/messages';
import { runTrainTasks } from '../parallel/pool';
import { hasSpare } from '../parallel/startWorker';
import { runTrainTasksBeside } from '../parallel/trainBeside';
import { retrainFullNetwork } from '../reliability/retrain';
import type { FeatureSource } from '../results/schema';
import type { LoadedDataset, ModelKind } from '../types';
import { collectOutOfSample, crossFitTasks } from './crossfit';
import { resolveMaxExactParameters } from './exactLimit';
import { modelParameters } from './memoryEstimate';
import { type FittedHead, fitLastLayer, polishesHead } from './headStage';
import { chooseModel, type ModelPick } from './modelChoice';
import { trainingThreads } from './trainThreads';
import { optionRef } from '../options/derive';
import { type AnalyzeOptions, DEFAULTS, type Progress, resolvedKind } from './options';
import type { StageClock } from './stageClock';
import { inSharedMemory } from '../sharedMemory';

/** Worker threads worth starting: one tfjs instance per core, at most one per task. */
export function resolveWorkers(requested: number | undefined, tasks: number): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(requested ?? cores, tasks));
}

export function modelConfig(
  options: AnalyzeOptions,
  data: LoadedDataset,
  seed: number,
  kind: ModelKind = resolvedKind(options),
): ModelConfig {
  if (kind === 'cnn' && !data.imageShape) {
    throw new InputError(
      options.datasetPath,
      `the cnn model needs image data (an image folder or JSONL with image ` +
        `paths); set ${optionRef('model')} to mlp or logreg`,
    );
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

/** The fit's part of the options, resolved: two runs with equal FitSettings (on the same data) have the same fit. */
export interface FitSettings {
  config: ModelConfig;
  folds: number;
  seed: number;
  converge: boolean;
  maxExactParameters: number;
  /** Per-epoch checkpoints of the main model (TracIn needs them; they cost memory, so only then). */
  checkpoints: boolean;
  /** The backend asked for (null: the engine's choice); numerics differ slightly between backends. */
  backend: string | null;
  /**
   * --model auto on tables and text: logistic regression is cross-fitted beside `config` (the MLP) and the
   * lower cross-fitted log-loss decides (modelChoice.ts). Absent otherwise (so older saved fits still match).
   */
  autoAlternative?: ModelConfig;
}

export function fitSettings(options: AnalyzeOptions, data: LoadedDataset): FitSettings {
  const seed = options.seed ?? DEFAULTS.seed;
  // Images keep the MLP under auto: logistic regression on raw pixels is rarely the better model, and the CNN costs
  // minutes.
  const auto = (options.model ?? DEFAULTS.model) === 'auto' && !data.imageShape;
  const config = modelConfig(options, data, seed);
  const autoAlternative = auto ? modelConfig(options, data, seed, 'logreg') : undefined;
  const heads = [config, autoAlternative].flatMap((c) =>
    c
      ? [modelParameters({ ...c, dims: data.dims, numClasses: data.classes.length, imageShape: data.imageShape }).head]
      : [],
  );
  return {
    ...(autoAlternative ? { autoAlternative } : {}),
    config,
    folds: Math.max(2, options.folds ?? DEFAULTS.folds),
    seed,
    converge: options.converge ?? false,
    maxExactParameters: resolveMaxExactParameters(
      options,
      { nTrain: data.train.y.length, nTest: data.test.y.length, numClasses: data.classes.length },
      heads,
    ),
    checkpoints: (options.method ?? DEFAULTS.method) === 'tracin',
    backend: options.backend ?? null,
  };
}

/**
 * What scoring needs from the fit: the fitted last layer and what else the fit made. Plain typed arrays (fitStore.ts
 * saves it).
 */
export interface Fitted extends FittedHead {
  /** Names this fit (random): scores kept for it (scoreCache.ts) are valid for it alone. */
  id: string;
  settings: FitSettings;
  /** n · weightDecay: the sum-loss L2 of the objective. */
  l2: number;
  /** Cross-fitted out-of-sample probabilities, n × C. */
  oosProbs: Float64Array;
  /** Worker threads the training used (reported in the results). */
  workers: number;
  /** The user's model or embeddings the features came from (fitFrozen.ts); absent for a model trained here. */
  source?: FeatureSource;
  /** --model auto: what was chosen and why (absent when the model was given). */
  choice?: { pick: ModelPick; reason: string; losses: Record<ModelPick, number> };
}

/** The loaded data as the models see it (features shared with worker threads, not copied). */
export interface DataViews {
  trainData: TrainingData;
  testData: TrainingData;
}

export function trainingViews(data: LoadedDataset): DataViews {
  const trainData: TrainingData = {
    x: inSharedMemory(data.train.x),
    y: data.train.y,
    n: data.train.y.length,
    dims: data.dims,
    numClasses: data.classes.length,
    imageShape: data.imageShape,
  };
  return { trainData, testData: { ...trainData, x: data.test.x, y: data.test.y, n: data.test.y.length } };
}

export interface FitContext {
  workers?: number;
  backend?: AnalyzeOptions['backend'];
  signal?: AbortSignal;
  report: (p: Progress) => void;
  clock: StageClock;
}

/**
 * Fits on the loaded data's views (trainingViews: made once per run, the features are not copied again for scoring).
 */
export async function fit(views: DataViews, settings: FitSettings, ctx: FitContext): Promise<Fitted> {
  const { config, folds, seed } = settings;
  const { trainData, testData } = views;
  const report = ctx.report;

  // One task for the model itself, one per fold (per candidate under auto); all at once so both cores stay busy.
  const candidates = settings.autoAlternative ? [config, settings.autoAlternative] : [config];
  const tasks: TrainTask[] = [];
  const heldOuts: Int32Array[][] = [];
  candidates.forEach((c, m) => {
    const base = m * (folds + 1);
    tasks.push({
      type: 'train',
      taskId: base,
      config: c,
      data: trainData,
      backend: ctx.backend,
      checkpoints: settings.checkpoints,
      // Exact influence polishes the head in float64 (headStage.ts): its fit, and so this one, can stop earlier.
      headPolished: polishesHead(
        modelParameters({ ...c, dims: trainData.dims, numClasses: trainData.numClasses }).head,
        settings.maxExactParameters,
      ),
    });
    const { tasks: foldTasks, heldOut } = crossFitTasks(trainData, c, folds, seed, ctx.backend);
    tasks.push(...foldTasks.map((t) => ({ ...t, taskId: base + t.taskId })));
    heldOuts.push(heldOut);
  });
  // A small job trains on this thread: starting worker threads would take longer than the training (trainThreads.ts).
  const workers = trainingThreads(ctx.workers, tasks, resolveWorkers(ctx.workers, tasks.length));
  const epochsTotal = tasks.reduce((sum, t) => sum + Math.max(t.config.epochs, 1), 0);
  const epochsDone = new Map<number, number>();
  // A job kept on this thread still takes help from a worker that is already up (the analysis thread prestarts one):
  // it costs no start, and this thread waits at most for the one task the worker is on (trainBeside.ts).
  const beside =
    workers === 1 && ctx.workers === undefined && resolveWorkers(undefined, tasks.length) > 1 && hasSpare();
  const where = beside ? 'this thread and a ready worker' : workers > 1 ? `${workers} worker threads` : 'one thread';
  report({ stage: 'train', done: 0, total: epochsTotal, message: `${tasks.length} models on ${where}` });
  /** n · weightDecay: the sum-loss L2 of a candidate's objective. */
  const l2Of = (c: ModelConfig) => trainData.n * c.weightDecay;
  const headStage = (net: TrainedNetwork, l2: number) =>
    fitLastLayer(net, trainData, testData, l2, settings.maxExactParameters, {
      signal: ctx.signal,
      onStep: (step, p) => {
        if (step === 'features') report({ stage: 'features', done: 0, total: 2 });
        else if (step === 'fit') report({ stage: 'fit', done: 0, total: 1 });
        else report({ stage: 'hessian', done: 0, total: 1, message: `${p} parameters` });
      },
      onHessianProgress: (done, total, message) =>
        report({ stage: 'hessian', done, total, message: `${message}: ${done}/${total} class-pair blocks` }),
      onLap: (stage) => ctx.clock.lap(stage),
    });
  // The head stage needs the model alone: beside a worker it runs here as soon as the model is trained, while the
  // worker trains the cross-fitting models, instead of after the last of them (on the digits CSV the worker idled
  // through the ~0.2 s head stage). Not under auto (the choice needs every fold's probabilities first) nor with
  // --converge (the model is retrained first).
  const headBeside = beside && !settings.autoAlternative && !settings.converge;
  let early: FittedHead | undefined;
  let headBegun = false;
  const onProgress = (taskId: number, p: TrainProgress) => {
    // Once the head stage has begun, training's progress would move the stages backwards.
    if (headBegun) return;
    epochsDone.set(taskId, p.epoch);
    let done = 0;
    for (const v of epochsDone.values()) done += v;
    report({ stage: 'train', done, total: epochsTotal, message: `loss ${p.loss.toFixed(4)}` });
  };
  const afterFirst = (first: TrainDone) => {
    ctx.clock.lap('train');
    headBegun = true;
    early = headStage(first.net, l2Of(config));
  };
  const besideRun = beside
    ? await runTrainTasksBeside(tasks, { signal: ctx.signal, onProgress, ...(headBeside && { afterFirst }) })
    : undefined;
  const trained = besideRun?.done ?? (await runTrainTasks(tasks, { workers, signal: ctx.signal, onProgress }));
  // With the head stage beside, this is the cross-fitting models' time after it.
  ctx.clock.lap('train');
  const oosOf = (m: number) =>
    collectOutOfSample(
      trained.slice(m * (folds + 1) + 1, (m + 1) * (folds + 1)),
      heldOuts[m],
      trainData.n,
      trainData.numClasses,
    );
  let oosProbs = oosOf(0);
  let chosen = 0;
  let choice: Fitted['choice'];
  if (settings.autoAlternative) {
    const picked = chooseModel({ mlp: oosProbs, logreg: oosOf(1) }, trainData.y, trainData.numClasses);
    chosen = picked.kind === 'logreg' ? 1 : 0;
    oosProbs = picked.oosProbs;
    choice = { pick: picked.pick, reason: picked.reason, losses: picked.losses };
    report({ stage: 'train', done: epochsTotal, total: epochsTotal, message: picked.reason });
  }
  const l2 = l2Of(candidates[chosen]);
  let net = trained[chosen * (folds + 1)].net;
  if (settings.converge) {
    report({ stage: 'converge', done: 0, total: 1, message: 'full-batch L-BFGS over every parameter' });
    const converged = retrainFullNetwork(net, trainData, l2, new Set(), { signal: ctx.signal });
    net = { ...converged.net, checkpoints: net.checkpoints };
    throwIfAborted(ctx.signal);
    ctx.clock.lap('converge');
  }

  const head = early ?? headStage(net, l2);
  return {
    id: randomBytes(8).toString('hex'),
    settings,
    ...head,
    l2,
    oosProbs,
    // The threads that trained: beside, the worker may have taken none (still starting on a loaded machine).
    workers: besideRun ? (besideRun.byWorker > 0 ? 2 : 1) : workers,
    ...(choice ? { choice } : {}),
  };
}
