/**
 * fit() for features the user brings (issue 15): an ONNX model's penultimate
 * layer or precomputed embeddings. Nothing is trained here but the softmax
 * head: it starts from the model's own final layer (when there is one), is
 * fitted to a tight optimum with the usual weight decay (headStage.ts, the
 * same code as for the built-in models), and the out-of-sample probabilities
 * come from k heads cross-fitted on the frozen features — or from the user's
 * own probabilities file. The result is a Fitted over a 'logreg' network
 * whose inputs are the features, so score(), verify() (which retrains the
 * head) and assemble() run on it unchanged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { throwIfAborted } from '../cancel';
import { fitHead } from '../head/fitHead';
import { type HeadShape, headParameterCount, headProbabilities } from '../head/softmaxHead';
import type { TrainedNetwork, TrainingData } from '../models/types';
import { deriveSeed } from '../random';
import type { FeatureSource } from '../results/schema';
import type { DataViews, FitContext, Fitted, FitSettings } from './fit';
import { selectRows, stratifiedFolds } from './folds';
import { fitLastLayer } from './headStage';

/** What a feature source gives the fit. */
export interface FrozenFeatures {
  /** The model's final layer in the head layout ((F + 1) × C, last row the bias), when the source has one. */
  initHead?: Float64Array;
  /** The user's out-of-sample probabilities, n × C in the classes' order, when given. */
  userOosProbs?: Float64Array;
  /** The results' model.source, without the refit figures (fitFrozen adds them). */
  source: Omit<FeatureSource, 'headRelativeChange' | 'agreement' | 'headFromModel'>;
  /**
   * What names the source's content beyond the features themselves (a model file's hash and its preprocessing), for
   * the saved fit's key (frozenFingerprint).
   */
  contentKey?: string;
}

/**
 * The saved-fit key of a fit on the user's features: the loaded data with the features in place (dataFingerprint:
 * a changed embeddings file or model changes them), and what the head's fit reads besides — the model file's bytes
 * (its final layer is the head's start: new weights with the same features, or the same size and mtime, are another
 * model), the user's probabilities, and where the features came from (the results name it).
 */
export function frozenFingerprint(dataFingerprint: string, frozen: FrozenFeatures): string {
  const h = createHash('sha256');
  // Which runtime computed the vectors (or that they were kept from an earlier run) is not what they are.
  const { runtime: _runtime, ...source } = frozen.source;
  h.update(JSON.stringify({ data: dataFingerprint, source, content: frozen.contentKey ?? null }));
  for (const [name, a] of [
    ['initHead', frozen.initHead],
    ['userOosProbs', frozen.userOosProbs],
  ] as const) {
    h.update(`\0${name}:${a ? a.length : 'none'}\0`);
    if (a) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest('hex');
}

export async function fitFrozen(
  views: DataViews,
  settings: FitSettings,
  frozen: FrozenFeatures,
  ctx: FitContext,
): Promise<Fitted> {
  const { trainData, testData } = views;
  const { config } = settings;
  const shape: HeadShape = { featureDim: trainData.dims, numClasses: trainData.numClasses };
  const p = headParameterCount(shape);
  if (frozen.initHead && frozen.initHead.length !== p)
    throw new Error(`the model's head has ${frozen.initHead.length} values, expected ${p}`);
  const start: TrainedNetwork = {
    config,
    dims: trainData.dims,
    numClasses: trainData.numClasses,
    body: [],
    featureDim: trainData.dims,
    head: frozen.initHead ? Float64Array.from(frozen.initHead) : new Float64Array(p),
  };
  // The fold heads first, as the built-in models' fold models are trained before the full model's head is fitted:
  // the progress then moves through the stages in their order (options.ts STAGES).
  let oosProbs = frozen.userOosProbs;
  if (!oosProbs) {
    ctx.report({ stage: 'train', done: 0, total: settings.folds, message: 'cross-fitting the head' });
    oosProbs = crossFitHeads(trainData, settings, ctx);
    throwIfAborted(ctx.signal);
    ctx.clock.lap('crossfit');
  }
  const l2 = trainData.n * config.weightDecay;
  const head = fitLastLayer(start, trainData, testData, l2, settings.maxExactParameters, {
    signal: ctx.signal,
    onStep: (step, parameters) => {
      if (step === 'features') ctx.report({ stage: 'features', done: 0, total: 2 });
      else if (step === 'fit')
        ctx.report({
          stage: 'fit',
          done: 0,
          total: 1,
          message: frozen.initHead ? "from the model's final layer" : undefined,
        });
      else ctx.report({ stage: 'hessian', done: 0, total: 1, message: `${parameters} parameters` });
    },
    onLap: (stage) => ctx.clock.lap(stage),
  });
  throwIfAborted(ctx.signal);

  const refit = frozen.initHead
    ? refitFigures(frozen.initHead, head.net.head, head.train.phi, head.test.phi, shape)
    : null;
  const source: FeatureSource = {
    ...frozen.source,
    headFromModel: frozen.initHead !== undefined,
    headRelativeChange: refit?.relativeChange ?? null,
    agreement: refit?.agreement ?? null,
  };
  return { id: randomBytes(8).toString('hex'), settings, ...head, l2, oosProbs, workers: 1, source };
}

/**
 * Out-of-sample probabilities by k-fold cross-fitting of the head alone: fold
 * f's head is fitted (from zero, to a loose optimum: probabilities need less
 * than influence) without fold f and predicts it. The folds are the ones the
 * built-in models use (same seed derivation).
 */
export function crossFitHeads(
  data: TrainingData,
  settings: FitSettings,
  ctx: Pick<FitContext, 'signal' | 'report'>,
): Float64Array {
  const c = data.numClasses;
  const shape: HeadShape = { featureDim: data.dims, numClasses: c };
  const assignment = stratifiedFolds(data.y, c, settings.folds, deriveSeed(settings.seed, 'folds'));
  const probs = new Float64Array(data.n * c);
  for (let f = 0; f < settings.folds; f++) {
    throwIfAborted(ctx.signal);
    const inFold: number[] = [];
    const rest: number[] = [];
    for (let i = 0; i < data.n; i++) (assignment[i] === f ? inFold : rest).push(i);
    if (inFold.length === 0) continue;
    // The fold's rows are read in place into the backend's tensors (head/biasedFeatures.ts): no copy of them here.
    const fitData = {
      features: { x: data.x, width: data.dims, n: rest.length, rows: Int32Array.from(rest) },
      y: Int32Array.from(rest, (i) => data.y[i]),
      n: rest.length,
    };
    const fit = fitHead(fitData, shape, rest.length * settings.config.weightDecay, {
      meanGradTolerance: 1e-6,
      maxIterations: 500,
      signal: ctx.signal,
    });
    const held = {
      phi: selectRows(data.x, data.dims, inFold),
      y: Int32Array.from(inFold, (i) => data.y[i]),
      n: inFold.length,
    };
    const p = headProbabilities(held, shape, fit.head);
    inFold.forEach((i, r) => probs.set(p.subarray(r * c, (r + 1) * c), i * c));
    ctx.report({ stage: 'train', done: f + 1, total: settings.folds, message: 'cross-fitting the head' });
  }
  return probs;
}

/** How far the refit moved from the model's own final layer, and how often the two predict the same class. */
export function refitFigures(
  model: Float64Array,
  refit: Float64Array,
  trainPhi: Float32Array,
  testPhi: Float32Array,
  shape: HeadShape,
): { relativeChange: number; agreement: number } {
  let diff = 0;
  let norm = 0;
  for (let k = 0; k < model.length; k++) {
    diff += (refit[k] - model[k]) ** 2;
    norm += model[k] ** 2;
  }
  const f = shape.featureDim;
  let same = 0;
  let total = 0;
  for (const phi of [trainPhi, testPhi]) {
    const n = phi.length / f;
    const data = { phi, y: new Int32Array(n), n };
    const a = headProbabilities(data, shape, model);
    const b = headProbabilities(data, shape, refit);
    for (let i = 0; i < n; i++) if (argmax(a, i, shape.numClasses) === argmax(b, i, shape.numClasses)) same++;
    total += n;
  }
  return {
    relativeChange: norm > 0 ? Math.sqrt(diff / norm) : Math.sqrt(diff),
    agreement: total > 0 ? same / total : 1,
  };
}

function argmax(p: Float64Array, row: number, c: number): number {
  let best = 0;
  for (let k = 1; k < c; k++) if (p[row * c + k] > p[row * c + best]) best = k;
  return best;
}
