/**
 * From the extension's settings and the per-dataset choices to the engine's
 * job options. Pure, so the mapping (and which settings change the cache key)
 * is unit-tested. Settings use VS Code's conventions (0 / null = "engine
 * default"); the engine gets only what the user actually set.
 */
import type { JobOptions } from '../protocol/compute';
import { METHODS, MODEL_KINDS } from '../protocol/compute';
import { parseTestChoice, type TestChoice } from './testSet';

export type ModelSetting = (typeof MODEL_KINDS)[number] | 'ask';

export interface AnalysisSettings {
  model: ModelSetting;
  method: (typeof METHODS)[number];
  folds: number;
  topK: number;
  seed: number;
  /** 0 = all samples. */
  maxSamples: number;
  /** null = the model's default. */
  weightDecay: number | null;
  /** gif: fraction of neurons whose parameters are updated. */
  targetParameterFraction: number;
  /** null = the model's default. */
  epochs: number | null;
  /** Removals retrained by the reliability check. */
  reliabilitySamples: number;
  /** Heap limit of the compute process in MB; 0 = Node's default. */
  maxMemoryMB: number;
}

export const DEFAULT_SETTINGS: AnalysisSettings = {
  model: 'mlp',
  method: 'auto',
  folds: 5,
  topK: 10,
  seed: 0,
  maxSamples: 0,
  weightDecay: null,
  targetParameterFraction: 0.1,
  epochs: null,
  reliabilitySamples: 10,
  maxMemoryMB: 0,
};

/** What the user chose for one dataset in a quick pick (remembered per dataset). */
export interface DatasetChoices {
  labelColumn?: string;
  model?: (typeof MODEL_KINDS)[number];
  /** The test set; absent = the test file found beside the dataset, if any (testSet.ts). */
  test?: TestChoice;
}

/** Choices read back from the workspace state (data from disk, written by some version): what checks out. */
export function parseDatasetChoices(raw: unknown): DatasetChoices {
  const out: DatasetChoices = {};
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  if (typeof r.labelColumn === 'string') out.labelColumn = r.labelColumn;
  if (MODEL_KINDS.includes(r.model as (typeof MODEL_KINDS)[number])) out.model = r.model as (typeof MODEL_KINDS)[number];
  const test = parseTestChoice(r.test);
  if (test) out.test = test;
  return out;
}

export function jobOptionsFor(
  datasetPath: string,
  settings: AnalysisSettings,
  choices: DatasetChoices,
  extra: { verify?: boolean; testPath?: string; removeHarmful?: number } = {},
): JobOptions {
  const options: JobOptions = {
    datasetPath,
    method: settings.method,
    folds: Math.max(2, Math.round(settings.folds)),
    topK: Math.max(1, Math.round(settings.topK)),
    seed: Math.max(0, Math.round(settings.seed)),
    subsetFraction: Math.min(1, Math.max(0.001, settings.targetParameterFraction)),
  };
  const model = choices.model ?? (settings.model === 'ask' ? undefined : settings.model);
  if (model) options.model = model;
  if (choices.labelColumn) options.labelColumn = choices.labelColumn;
  if (settings.maxSamples >= 2) options.maxSamples = Math.round(settings.maxSamples);
  if (settings.weightDecay !== null && settings.weightDecay >= 0) options.weightDecay = settings.weightDecay;
  if (settings.epochs !== null && settings.epochs >= 1) options.epochs = Math.round(settings.epochs);
  if (extra.testPath) options.testPath = extra.testPath;
  // The engine refuses a run whose memory estimate exceeds this, so the estimate and the subprocess heap agree.
  if (settings.maxMemoryMB > 0) options.maxMemoryMB = Math.round(settings.maxMemoryMB);
  if (extra.verify) options.verify = Math.max(1, Math.round(settings.reliabilitySamples));
  if (extra.removeHarmful !== undefined) options.removeHarmful = Math.max(0, Math.round(extra.removeHarmful));
  return options;
}

/**
 * The part of the options that identifies a result in the cache: everything
 * but the dataset path and the memory limit (which refuses runs but never
 * changes a result).
 */
export function cacheKeyOptions(options: JobOptions): Omit<JobOptions, 'datasetPath' | 'maxMemoryMB'> {
  const { datasetPath: _ignored, maxMemoryMB: _limit, ...rest } = options;
  return rest;
}

/**
 * The options that change the fit (model, data, training): everything but
 * how it is scored. Two runs with equal fit keys share one saved fit, so
 * "Run reliability check", another method or another top-k reuse the trained
 * model instead of retraining. TracIn needs the training checkpoints, which
 * other methods do not keep: only that much of the method is part of the fit.
 */
export function fitKeyOptions(options: JobOptions): Record<string, unknown> {
  const { datasetPath: _d, method, topK: _k, explain: _e, subsetFraction: _s, verify: _v, verifyTestPoints: _t, removeHarmful: _h, target: _g, workers: _w, maxMemoryMB: _m, ...fit } = options;
  return { ...fit, checkpoints: method === 'tracin' };
}

/**
 * The engine's refusals name its command-line flags; here the memory limit is
 * the influenceLens.maxMemoryMB setting (passed to the engine as maxMemoryMB),
 * so the message names the setting and the caller offers to open it.
 */
export function inExtensionTerms(message: string): { text: string; memory: boolean } {
  const memory = message.includes('--max-memory-mb');
  return { text: memory ? message.replace(/--max-memory-mb/g, 'the influenceLens.maxMemoryMB setting') : message, memory };
}
