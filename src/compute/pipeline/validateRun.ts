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
  WASM_HEAP_BYTES,
} from './memoryEstimate';
import { optionRef } from '../options/derive';
import { checkEngineOptions } from '../options/validate';
import { DEFAULTS, type AnalyzeOptions, resolvedKind } from './options';
import { resolveMaxExactParameters } from './exactLimit';

/** Options checked before loading anything: each by its rule in the option table. */
export function validateOptions(options: AnalyzeOptions): void {
  checkEngineOptions(options);
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
  const shape = runShape(options, data, ctx.workers);
  const estimate = estimateRunMemory(shape);
  const limitBytes =
    options.maxMemoryMB !== undefined
      ? options.maxMemoryMB * MB
      : defaultMemoryLimitBytes(ctx.availableBytes ?? availableMemory());
  const overWasm = ctx.backend === 'wasm' && estimate.perWorkerHeapBytes > WASM_HEAP_BYTES;
  if (estimate.totalBytes <= limitBytes && !overWasm) return estimate;

  const fits = (s: RunShape) => {
    const e = estimateRunMemory(s);
    return e.totalBytes <= limitBytes && !(ctx.backend === 'wasm' && e.perWorkerHeapBytes > WASM_HEAP_BYTES);
  };
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
    ways.push(
      `fewer feature columns (${shape.dims.toLocaleString('en-US')} features now; text columns take up to 512 each)`,
    );
  if (!overWasm)
    ways.push(
      `a higher limit, ${optionRef('maxMemoryMB')} (now ${Math.round(limitBytes / MB).toLocaleString('en-US')})`,
    );
  const why = overWasm
    ? `training one model of ${estimate.parameters.toLocaleString('en-US')} ` +
      `parameters needs about ${formatMB(estimate.perWorkerHeapBytes)} ` +
      `in one thread, more than the 4 GB the wasm backend can address`
    : `about ${formatMB(estimate.totalBytes)} for ` +
      `${rows.toLocaleString('en-US')} samples × ` +
      `${shape.dims.toLocaleString('en-US')} features ` +
      (`and a model of ${estimate.parameters.toLocaleString('en-US')} ` +
        `parameters trained ${folds + 1} times, more than the limit of `) +
      (`${formatMB(limitBytes)} ` +
        `(${options.maxMemoryMB !== undefined ? optionRef('maxMemoryMB') : `75% of the free memory; ${optionRef('maxMemoryMB')} sets it`})`);
  throw new InputError(
    options.datasetPath,
    `the analysis would not fit in memory: ${why}; expected a run that ` +
      `fits: use ${ways.length ? ways.join(', or ') : optionRef('maxSamples')}`,
  );
}

/** What the estimate needs to know, from the options and the loaded data. */
export function runShape(options: AnalyzeOptions, data: LoadedDataset, workers: number): RunShape {
  // auto trains the MLP (the larger) and, beside it, logistic regression's small models.
  const kind = resolvedKind(options);
  const base = defaultModelConfig(kind);
  const hidden = options.hidden ?? base.hidden;
  const numClasses = data.classes.length;
  const dims = data.dims;
  const { head } = modelParameters({
    kind,
    dims,
    numClasses,
    hidden,
    imageShape: data.imageShape,
    convChannels: base.convChannels,
  });
  const choice = options.method ?? DEFAULTS.method;
  const maxExact = resolveMaxExactParameters(options, {
    nTrain: data.train.y.length,
    nTest: data.test.y.length,
    numClasses,
  });
  const hasBody = kind !== 'logreg';
  const iterative =
    (choice === 'cg' || choice === 'lissa' || (choice === 'auto' && head > maxExact)) &&
    (options.target ?? (hasBody ? 'full' : 'last-layer')) === 'full';
  return {
    nTrain: data.train.y.length,
    nTest: data.test.y.length,
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
