/**
 * From the extension's settings and the per-dataset choices to the engine's
 * job options. Pure, so the mapping (and which settings change the cache key)
 * is unit-tested. Settings use VS Code's conventions (0 / null = "engine
 * default"); the engine gets only what the user actually set.
 */
import { showValue } from '../../compute/options/validate';
import { OPTIONS } from '../../protocol/options';
import { optionsOfStage, renderOptionRefs, referencedOptions } from '../../compute/options/derive';
import { checkJobOptions, type JobOptions, MODEL_KINDS } from '../../protocol/compute';
import { SETTINGS, settingName, settingOf } from './settingsTable';
import { parseTestChoice, type TestChoice } from './testSet';

export type ModelSetting = (typeof MODEL_KINDS)[number] | 'ask';

/**
 * The `influenceLens.*` setting values as read (keyed without the prefix); checked only when turned into job options.
 */
export type AnalysisSettings = Readonly<Record<string, unknown>>;

/** Every setting at its package.json default. */
export const DEFAULT_SETTINGS: AnalysisSettings = Object.fromEntries(SETTINGS.map((s) => [s.key, s.default]));

/** A setting whose value its option's rule refuses: the run does not start, and the message names the setting. */
export class SettingError extends Error {
  override readonly name = 'SettingError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the user chose for one dataset in a quick pick (remembered per dataset). */
export interface DatasetChoices {
  labelColumn?: string;
  model?: (typeof MODEL_KINDS)[number];
  /** An ONNX model chosen for this dataset in the picker (absolute path); exclusive with `model`. */
  modelFile?: string;
  /** The test set; absent = the test file found beside the dataset, if any (testSet.ts). */
  test?: TestChoice;
}

/** Choices read back from the workspace state (data from disk, written by some version): what checks out. */
export function parseDatasetChoices(raw: unknown): DatasetChoices {
  const out: DatasetChoices = {};
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  if (typeof r.labelColumn === 'string') out.labelColumn = r.labelColumn;
  if (MODEL_KINDS.includes(r.model as (typeof MODEL_KINDS)[number]))
    out.model = r.model as (typeof MODEL_KINDS)[number];
  else if (typeof r.modelFile === 'string' && r.modelFile !== '') out.modelFile = r.modelFile;
  const test = parseTestChoice(r.test);
  if (test) out.test = test;
  return out;
}

/**
 * The job options of one run. A setting at its "unset" value (0 or null, see
 * the option table) is not sent; any other value must pass the option's rule
 * — a value the engine would refuse (e.g. 1 fold) is a SettingError naming
 * the setting, never silently raised to one that works.
 */
export function jobOptionsFor(
  datasetPath: string,
  settings: AnalysisSettings,
  choices: DatasetChoices,
  extra: { verify?: boolean; testPath?: string; removeHarmful?: number; explainIds?: number[] } = {},
): JobOptions {
  const options: Record<string, unknown> = { datasetPath };
  for (const entry of SETTINGS) {
    if (entry.face.onlyWhenVerifying && !extra.verify) continue;
    // The per-dataset model choice wins over the setting (which may be "ask").
    if (entry.option === 'model' && choices.model) continue;
    // So does a per-dataset pick of either kind over the model file setting (issue 15).
    if (entry.option === 'modelFile' && (choices.model || choices.modelFile)) continue;
    const raw = settings[entry.key] === undefined ? entry.default : settings[entry.key];
    if (raw === entry.face.unset) continue;
    const value = entry.face.round && typeof raw === 'number' ? Math.round(raw) : raw;
    const { rule } = OPTIONS[entry.option];
    try {
      options[entry.option] = rule(value, entry.key);
    } catch {
      throw new SettingError(entry.key, `${settingName(entry)} is ${showValue(raw)}; expected ${rule.expected}`);
    }
  }
  if (choices.model) options.model = choices.model;
  if (choices.modelFile) options.modelFile = choices.modelFile;
  // The user's model replaces the built-in one (the engine refuses both at once).
  if (options.modelFile !== undefined) delete options.model;
  if (choices.labelColumn) options.labelColumn = choices.labelColumn;
  if (extra.testPath) options.testPath = extra.testPath;
  // The panel's "remove the most harmful and retrain" (issue 17): k from the page, not a setting.
  if (extra.removeHarmful !== undefined) options.removeHarmful = extra.removeHarmful;
  // "Explain this prediction" on a test sample not yet explained (explainMore.ts): its id, not a setting.
  if (extra.explainIds !== undefined) options.explainIds = extra.explainIds;
  return checkJobOptions(options, 'options');
}

/**
 * The heap limit of the compute process, MB (0 = Node's default): the maxMemoryMB setting when it holds a usable value.
 */
export function heapLimitMB(settings: AnalysisSettings): number {
  const entry = settingOf('maxMemoryMB');
  const value = entry ? settings[entry.key] : undefined;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
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
  const notFit = new Set<string>([
    'datasetPath',
    ...optionsOfStage('score'),
    ...optionsOfStage('verify'),
    ...optionsOfStage('run'),
  ]);
  const fit = Object.fromEntries(Object.entries(options).filter(([key]) => !notFit.has(key)));
  return { ...fit, checkpoints: options.method === 'tracin' };
}

/**
 * An engine message in the extension's terms: each option it names (the
 * engine says "the maxMemoryMB option", never a CLI flag) becomes its setting,
 * `the influenceLens.maxMemoryMB setting`; `memory` says the way out is the
 * memory setting, which the caller offers to open.
 */
export function inExtensionTerms(message: string): { text: string; memory: boolean } {
  const text = renderOptionRefs(message, (name) => {
    const entry = settingOf(name);
    return entry ? settingName(entry) : `the ${name} option`;
  });
  return { text, memory: referencedOptions(message).includes('maxMemoryMB') };
}
