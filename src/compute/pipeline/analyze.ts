/**
 * The whole analysis: load → fit (train the model and k cross-fitting models
 * in parallel, fit the head to a tight optimum; or load a saved fit) → score
 * (influence, mislabel ranking) → the reliability check when asked → a
 * ResultsFile object. Plain Node; the CLI, the compute subprocess and the
 * benchmarks are thin shells over this function.
 */
import { throwIfAborted } from '../cancel';
import { InputError } from '../errors';
import { optionRef } from '../options/derive';
import { loadDataset } from '../data';
import type { ResultsFile } from '../results/schema';
import { initBackend } from '../tf/backend';
import { assemble } from './buildResults';
import { prepareFeatureSource } from './featureSource';
import { fitFrozen, frozenFingerprint, type FrozenFeatures } from './fitFrozen';
import { type DataViews, fit, type Fitted, fitSettings, resolveWorkers, trainingViews } from './fit';
import { dataFingerprint, loadFit, saveFit } from './fitStore';
import { DEFAULTS, type AnalyzeOptions, type Progress } from './options';
import { besideFit } from './besideFit';
import { duplicateConflictSignals, issueNeighbours, openNeighbourStore, runIssues } from './issuesStage';
import { verify } from './reliabilityStage';
import { score } from './score';
import { inSteps } from './progressSteps';
import { StageClock } from './stageClock';
import { StageTimeLeft } from './timeLeft';
import { sampleFrozenToBudget } from './frozenSample';
import { sampleBudget, validateOptions, validateRun } from './validateRun';

export { resolveWorkers } from './fit';
export { StageClock } from './stageClock';

export interface AnalyzeRun extends AnalyzeOptions {
  /**
   * Where the fit is saved: loaded when it is there and was made with the same
   * fit options on the same data (then nothing is retrained), else fitted and
   * written there. Optional: without it every run fits.
   */
  fitPath?: string;
  /** Told whether the saved fit was reused, and if not why; whether the new fit was saved (a line for the log). */
  onFitCache?: (message: string) => void;
}

export async function analyze(run: AnalyzeRun): Promise<ResultsFile> {
  try {
    return await analyzeData(run);
  } catch (error) {
    throw asInputError(error, run.datasetPath);
  }
}

/**
 * A thread's wasm heap that ran out (tf/wasmMemoryGuard.ts, raised in whichever thread it was) as the input's
 * problem, with what would fit: the estimate let the run start, so it is near the edge. Other errors as they are.
 */
export function asInputError(error: unknown, datasetPath: string): unknown {
  if (!(error instanceof Error) || error.name !== 'WasmMemoryError') return error;
  return new InputError(
    datasetPath,
    `the analysis ran out of memory: ${error.message}; expected a run that fits in it: use ` +
      `${optionRef('maxSamples')} with fewer samples, fewer feature columns, or a smaller model`,
  );
}

async function analyzeData(run: AnalyzeRun): Promise<ResultsFile> {
  let options = run;
  const clock = new StageClock();
  const timeLeft = new StageTimeLeft();
  const report = (p: Progress) => options.onProgress?.(timeLeft.annotate(p));
  const seed = options.seed ?? DEFAULTS.seed;
  const folds = Math.max(2, options.folds ?? DEFAULTS.folds);
  validateOptions(options);

  const backend = await initBackend(options.backend);
  // The user's own features (embeddings, an ONNX model) or null for a model trained here.
  const source = await prepareFeatureSource(
    options,
    report,
    options.fitPath ? { file: besideFit(options.fitPath).embeddings, log: options.onFitCache } : undefined,
  );
  report({ stage: 'load', done: 0, total: 1 });
  const runContext = { backend: backend.name, workers: resolveWorkers(options.workers, folds + 1) };
  // The loaders keep a sample that fits the working budget before building any feature. The user's model gives the
  // width of its vectors before any sample is embedded, so the loader samples first; embeddings are known only once
  // read, so the loader holds only the table to its share, and the vectors are sampled after (frozenSample.ts).
  const loaderBudget = sampleBudget(source ? onUserFeatures(options) : options, runContext);
  let data = await loadDataset(options.datasetPath, {
    testPath: options.testPath,
    labelColumn: options.labelColumn,
    seed,
    maxSamples: options.maxSamples,
    ...(loaderBudget && { budget: loaderBudget }),
    ...source?.loadOptions,
    onProgress: inSteps((done, total) => report({ stage: 'load', done, total })),
  });
  throwIfAborted(options.signal);
  let frozen: FrozenFeatures | undefined;
  if (source) {
    // (An image model embeds while the images load: its pass is in 'load'; a table model's is 'embed'.)
    clock.lap('load');
    ({ data, frozen } = await source.features(data, { signal: options.signal, report }));
    options = onUserFeatures(options);
    ({ data, frozen } = sampleFrozenToBudget({ data, frozen }, options, runContext, seed));
    throwIfAborted(options.signal);
  }
  validateRun(options, data, runContext);
  clock.lap(source ? 'embed' : 'load');

  const settings = fitSettings(options, data);
  const views: DataViews = trainingViews(data);
  let fitted: Fitted | undefined;
  let fingerprint = '';
  if (options.fitPath) {
    // On the user's features the key also covers the model file's bytes and probabilities (fitFrozen.ts).
    fingerprint = frozen ? frozenFingerprint(dataFingerprint(data), frozen) : dataFingerprint(data);
    const saved = await loadFit(options.fitPath, settings, fingerprint, data);
    if ('fitted' in saved) fitted = saved.fitted;
    options.onFitCache?.('fitted' in saved ? `reusing the saved fit ${options.fitPath}` : `fitting: ${saved.reason}`);
    clock.lap('loadFit');
  }
  if (!fitted) {
    fitted = frozen
      ? await fitFrozen(views, settings, frozen, { signal: options.signal, report, clock })
      : await fit(views, settings, {
          workers: options.workers,
          backend: options.backend,
          signal: options.signal,
          report,
          clock,
        });
    if (options.fitPath) {
      // The fit only saves time later: failing to save it (a full disk) must not fail this run.
      await saveFit(options.fitPath, fitted, fingerprint).then(
        () => options.onFitCache?.(`fit saved to ${options.fitPath}`),
        (error: Error) => options.onFitCache?.(`the fit was not saved: ${error.message}`),
      );
      clock.lap('saveFit');
    }
  }
  throwIfAborted(options.signal);

  // The duplicates come before the ranking: a duplicate with another label is one of its signals. Only a saved fit has
  // an id worth keeping its neighbour searches for.
  const neighbourStore = options.skipIssues
    ? null
    : await openNeighbourStore(
        options.fitPath && fingerprint ? besideFit(options.fitPath).neighbours : undefined,
        fitted,
        options.onFitCache,
      );
  const neighbours = neighbourStore
    ? issueNeighbours(fitted, data, options.signal, neighbourStore.search, options.removeHarmful, report)
    : null;
  if (neighbours) clock.lap('issues');
  const scored = await score(fitted, views, options, {
    extraSignals: duplicateConflictSignals(neighbours),
    scoreCachePath: options.fitPath ? besideFit(options.fitPath).scores : undefined,
    log: options.onFitCache,
    signal: options.signal,
    report,
    clock,
  });
  const reliability = options.verify
    ? await verify(fitted, views, scored.influence, {
        removals: options.verify,
        testPoints: options.verifyTestPoints,
        workers: options.workers,
        backend: options.backend,
        signal: options.signal,
        report,
      })
    : null;
  if (reliability) clock.lap('verify');
  const issues = options.skipIssues
    ? null
    : runIssues(fitted, data, views, scored, {
        removeHarmful: options.removeHarmful,
        neighbours: neighbours ?? undefined,
        search: neighbourStore?.search,
        signal: options.signal,
        report,
      });
  if (issues) clock.lap('issues');
  await neighbourStore?.save();

  return assemble({ data, backend, fitted, scored, reliability, issues, timings: clock });
}

/** A softmax head on the user's features is a logistic regression on them: the rest of the pipeline runs it as one. */
function onUserFeatures(options: AnalyzeOptions): AnalyzeOptions {
  return { ...options, model: 'logreg' };
}
