/**
 * Checks an analysis can run before any work is spent on it: options that
 * make no sense on their own (before loading), then what depends on the data
 * (right after loading, before training): more folds than training samples,
 * and a run whose estimated memory (memoryEstimate.ts) exceeds the limit.
 * Each refusal is an InputError that names the option and the value that
 * would work, so the CLI exits 2 with it and the extension shows it.
 */
import os from 'node:os';
import { InputError } from '../errors';
import { defaultModelConfig } from '../models/defaults';
import type { BackendName } from '../tf/backend';
import type { SampleBudget, SampleShape } from '../data/sampleBudget';
import type { LoadedDataset } from '../types';
import {
  defaultMemoryLimitBytes,
  estimateRunMemory,
  formatMB,
  largestFitting,
  MB,
  type MemoryEstimate,
  modelParameters,
  type RunShape,
  SAMPLE_TARGET_SHARE,
  WASM_HEAP_BYTES,
  WORKING_BUDGET_BYTES,
} from './memoryEstimate';
import { optionRef } from '../options/derive';
import { checkEngineOptions } from '../options/validate';
import { DEFAULTS, type AnalyzeOptions, resolvedKind } from './options';
import { resolveMaxExactParameters } from './exactLimit';
import { usesFrozenFeatures } from '../data/embeddings/options';
import { contrastParameterCount } from '../head/classContrasts';
import { formatCount } from '../formatCount';

/** Options checked before loading anything: each by its rule in the option table, then the ones that go together. */
export function validateOptions(options: AnalyzeOptions): void {
  checkEngineOptions(options);
  const ignored = ignoredOption(options);
  if (ignored) throw new InputError(options.datasetPath, ignored);
}

/**
 * An option the rest would silently ignore, as the reason to refuse the run: the user asked for something the run
 * would not do, and its results would look as if it had.
 */
function ignoredOption(o: AnalyzeOptions): string | undefined {
  if (o.skipIssues && o.removeHarmful !== undefined)
    return (
      `${optionRef('removeHarmful')} refits without the most harmful samples, a part of the data-issue pass ` +
      `${optionRef('skipIssues')} skips; expected one or the other`
    );
  if (
    o.target !== undefined &&
    o.method !== undefined &&
    o.method !== 'auto' &&
    o.method !== 'cg' &&
    o.method !== 'lissa'
  )
    return (
      `${optionRef('target')} chooses the parameters of cg and lissa; ${o.method} ` +
      `${o.method === 'gif' ? 'works over the whole network' : 'works over the last layer'} whatever it says: ` +
      `expected it left out, or ${optionRef('method')} cg or lissa`
    );
  if (o.hidden !== undefined && o.model === 'logreg')
    return `${optionRef('hidden')} sets the hidden layers of mlp and cnn; logreg has none: expected it left out`;
  return undefined;
}

export interface RunContext {
  backend: BackendName;
  workers: number;
  /** Memory the system can give now, bytes (tests pass a figure; default: os.freemem / the cgroup limit). */
  availableBytes?: number;
}

/** Data-dependent checks; returns the memory estimate (the benchmark reports it). */
export function validateRun(options: AnalyzeOptions, data: LoadedDataset, ctx: RunContext): MemoryEstimate {
  const folds = options.folds ?? DEFAULTS.folds;
  const nTrain = data.train.y.length;
  if (folds > nTrain) {
    throw new InputError(
      options.datasetPath,
      `${folds} cross-fitting folds (${optionRef('folds')}) for ${nTrain} ` +
        `training sample${nTrain === 1 ? '' : 's'}: a fold would hold no sample; ` +
        (`expected at most ${nTrain} folds (one held-out sample per fold at ` +
          `least), e.g. ${optionRef('folds')} ` +
          `${Math.max(2, Math.min(DEFAULTS.folds, nTrain))}`),
    );
  }
  const nTest = data.test.y.length;
  const missing = (options.explainIds ?? []).find((t) => t >= nTest);
  if (missing !== undefined) {
    throw new InputError(
      options.datasetPath,
      `test sample ${missing} (${optionRef('explainIds')}) is not in the test set: expected ids from 0 to ` +
        `${nTest - 1} (the test set has ${nTest} sample${nTest === 1 ? '' : 's'})`,
    );
  }
  const shape = runShape(options, dataShape(data), ctx.workers);
  refuseUnfactoredExact(options, shape);
  const estimate = estimateRunMemory(shape);
  const { bytes: limitBytes, working } = memoryLimit(options, ctx);
  const overWasm = ctx.backend === 'wasm' && estimate.threadHeap.bytes > WASM_HEAP_BYTES;
  const fits = (s: RunShape) => withinLimit(estimateRunMemory(s), limitBytes, ctx.backend);
  if (fits(shape)) return estimate;

  const ways: string[] = [];
  if (shape.kind !== 'logreg' && shape.hidden.length > 0) {
    const widest = Math.max(...shape.hidden);
    const w = largestFitting(1, widest, (v) => fits({ ...shape, hidden: shape.hidden.map((h) => Math.min(h, v)) }));
    if (w >= 1)
      ways.push(
        `a smaller model, ${optionRef('hidden')} ${shape.hidden.map((h) => Math.min(h, w)).join(',')} or narrower`,
      );
  }
  const rows = shape.nTrain + shape.nTest;
  const k = largestFitting(2 * shape.numClasses, rows, (m) =>
    fits({ ...shape, nTrain: Math.round((m * shape.nTrain) / rows), nTest: Math.round((m * shape.nTest) / rows) }),
  );
  if (k >= 2 * shape.numClasses && k < rows) {
    ways.push(`fewer samples, ${optionRef('maxSamples')} ${twoDigitsDown(k)}`);
  }
  if (data.format !== 'imagefolder' && shape.dims > 1000)
    ways.push(`fewer feature columns (${formatCount(shape.dims)} features now; text columns take up to 512 each)`);
  if (options.method === 'exact' && shape.influence === 'exact') {
    // The matrix exact influence holds is the class-contrast Hessian, of P′ = D·(C − 1) (head/classContrasts.ts).
    const factored = contrastParameterCount({
      featureDim: modelParameters(shape).featureDim,
      numClasses: shape.numClasses,
    });
    ways.push(
      `influence by conjugate gradients, ${optionRef('method')} cg (exact holds the last layer's ` +
        `${formatCount(factored)}² Hessian and its factor)`,
    );
  }
  if (!overWasm)
    ways.push(`a higher limit, ${optionRef('maxMemoryMB')} (now ${formatCount(Math.round(limitBytes / MB))})`);
  const why = overWasm
    ? `${estimate.threadHeap.what} needs about ${formatMB(estimate.threadHeap.bytes)} ` +
      `in one thread, more than the 4 GB the wasm backend can address`
    : `about ${formatMB(estimate.totalBytes)} for ` +
      `${formatCount(rows)} samples × ` +
      `${formatCount(shape.dims)} features ` +
      (`and a model of ${formatCount(estimate.parameters)} ` +
        `parameters trained ${folds + 1} times, more than the limit of `) +
      (`${formatMB(limitBytes)} ` + `(${limitName(options, working)})`);
  throw new InputError(
    options.datasetPath,
    `the analysis would not fit in memory: ${why}; expected a run that ` +
      `fits: use ${ways.length ? ways.join(', or ') : optionRef('maxSamples')}`,
  );
}

/**
 * --method exact with --max-exact-parameters below the head's size: the head would not be factored, and exact
 * influence has nothing to run on (it ended in an internal error after training). Refused before training.
 */
function refuseUnfactoredExact(options: AnalyzeOptions, shape: RunShape): void {
  if (options.method !== 'exact' || shape.influence === 'exact') return;
  const { head } = modelParameters(shape);
  throw new InputError(
    options.datasetPath,
    `${optionRef('method')} exact factors the last layer's Hessian, but the last layer has ` +
      `${formatCount(head)} parameters, more than ${optionRef('maxExactParameters')} ` +
      `${formatCount(options.maxExactParameters ?? 0)}; expected ${optionRef('maxExactParameters')} ` +
      `${head} or more, or ${optionRef('method')} cg`,
  );
}

/** Whether a run of this estimate stays within `limitBytes`, and within what one wasm thread can address. */
function withinLimit(e: MemoryEstimate, limitBytes: number, backend: BackendName): boolean {
  return e.totalBytes <= limitBytes && !(backend === 'wasm' && e.threadHeap.bytes > WASM_HEAP_BYTES);
}

/** Whether validateRun's memory check lets this run through (it refuses it otherwise). */
export function runFitsLimit(options: AnalyzeOptions, data: LoadedDataset, ctx: RunContext): boolean {
  const e = estimateRunMemory(runShape(options, dataShape(data), ctx.workers));
  return withinLimit(e, memoryLimit(options, ctx).bytes, ctx.backend);
}

/**
 * Whether the default working budget applies: the user set neither maxSamples nor maxMemoryMB (who sets either
 * gets exactly that, or a refusal).
 */
export function usesWorkingBudget(options: AnalyzeOptions): boolean {
  return options.maxSamples === undefined && options.maxMemoryMB === undefined;
}

/** The limit a run is held to: maxMemoryMB, else 75% of the free memory, and at default options the working budget. */
function memoryLimit(options: AnalyzeOptions, ctx: RunContext): { bytes: number; working: boolean } {
  const limit =
    options.maxMemoryMB !== undefined
      ? options.maxMemoryMB * MB
      : defaultMemoryLimitBytes(ctx.availableBytes ?? availableMemory());
  return usesWorkingBudget(options) && WORKING_BUDGET_BYTES < limit
    ? { bytes: WORKING_BUDGET_BYTES, working: true }
    : { bytes: limit, working: false };
}

function limitName(options: AnalyzeOptions, working: boolean): string {
  if (options.maxMemoryMB !== undefined) return optionRef('maxMemoryMB');
  return working
    ? `the default working budget; ${optionRef('maxMemoryMB')} allows more`
    : `75% of the free memory; ${optionRef('maxMemoryMB')} sets it`;
}

/**
 * The share of the limit a loader's table may take before it loads a sample instead (data/csv.ts, jsonl.ts): the
 * table, the file's text and the features being built live together while loading. (A 240 MB CSV of 20,000 numeric
 * columns, 2,100 rows, is a ~630 MB table: all of it is loaded.)
 */
const LOAD_SHARE = 0.35;

/**
 * The working budget as the loaders use it (data/sampleBudget.ts): at default options, a stratified sample whose
 * estimated run takes at most SAMPLE_TARGET_SHARE of the limit, so the run stays within it even where the estimate
 * is low; undefined when the user chose the samples or the limit.
 */
export function sampleBudget(options: AnalyzeOptions, ctx: RunContext, heldBytes = 0): SampleBudget | undefined {
  if (!usesWorkingBudget(options)) return undefined;
  const { bytes } = memoryLimit(options, ctx);
  // heldBytes: memory already taken that the run's estimate does not count (frozenSample.ts).
  const target = SAMPLE_TARGET_SHARE * bytes - heldBytes;
  return {
    label: formatMB(bytes),
    loadBytes: LOAD_SHARE * bytes,
    fits: (s) => withinLimit(estimateRunMemory(runShape(options, s, ctx.workers)), target, ctx.backend),
  };
}

/** The shape of loaded data, as the estimate sees it. */
export function dataShape(data: LoadedDataset): SampleShape {
  return {
    nTrain: data.train.y.length,
    nTest: data.test.y.length,
    numClasses: data.classes.length,
    dims: data.dims,
    ...(data.imageShape && { imageShape: data.imageShape }),
  };
}

/** What the estimate needs to know, from the options and the data's shape. */
export function runShape(options: AnalyzeOptions, data: SampleShape, workers: number): RunShape {
  // auto trains the MLP (the larger) and, beside it, logistic regression's small models.
  const kind = resolvedKind(options);
  const base = defaultModelConfig(kind);
  const hidden = options.hidden ?? base.hidden;
  const { numClasses, dims } = data;
  const { head } = modelParameters({
    kind,
    dims,
    numClasses,
    hidden,
    imageShape: data.imageShape,
    convChannels: base.convChannels,
  });
  const choice = options.method ?? DEFAULTS.method;
  const maxExact = resolveMaxExactParameters(options, { nTrain: data.nTrain, nTest: data.nTest, numClasses }, [head]);
  const hasBody = kind !== 'logreg';
  const iterative =
    (choice === 'cg' || choice === 'lissa' || (choice === 'auto' && head > maxExact)) &&
    (options.target ?? (hasBody ? 'full' : 'last-layer')) === 'full';
  return {
    nTrain: data.nTrain,
    nTest: data.nTest,
    dims,
    numClasses,
    kind,
    hidden,
    imageShape: data.imageShape,
    convChannels: base.convChannels,
    folds: options.folds ?? DEFAULTS.folds,
    workers,
    influence:
      choice === 'gif' || iterative ? 'iterative' : head <= maxExact && choice !== 'tracin' ? 'exact' : 'other',
    explain: (options.explain ?? DEFAULTS.explain) + (options.explainIds?.length ?? 0),
    // As pipeline/fit.ts decides it: auto cross-fits both models on tables and text, not on images.
    logregBeside: (options.model ?? DEFAULTS.model) === 'auto' && !data.imageShape,
    frozen: usesFrozenFeatures(options),
  };
}

/** Free memory now, capped by a container's limit when there is one. */
function availableMemory(): number {
  const free = os.freemem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  return constrained && constrained > 0 ? Math.min(free, constrained) : free;
}

/** k rounded down to two significant digits (a suggestion that still fits). */
function twoDigitsDown(k: number): number {
  if (k < 100) return k;
  const step = 10 ** (Math.floor(Math.log10(k)) - 1);
  return Math.floor(k / step) * step;
}
