/** One analysis from command-line flags: engine options, progress bar, atomic write. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError } from '../compute/errors';
import { analyzeInWorker } from '../compute/process/analyzeInWorker';
import type { AnalyzeOptions } from '../compute/pipeline/options';
import type { ResultsFile } from '../compute/results/schema';
import { writeFileAtomic } from '../compute/results/writeAtomic';
import { StageProgress } from './progressBar';

export interface AnalyzeFlags {
  test?: string;
  labelColumn?: string;
  model?: AnalyzeOptions['model'];
  method?: AnalyzeOptions['method'];
  topK?: number;
  folds?: number;
  seed?: number;
  maxSamples?: number;
  weightDecay?: number;
  hidden?: number[];
  epochs?: number;
  workers?: number;
  backend?: AnalyzeOptions['backend'];
  maxExactParams?: number;
  target?: AnalyzeOptions['target'];
  explain?: number;
  subsetFraction?: number;
  verify?: number;
  verifyTests?: number;
  converge?: boolean;
  out: string;
  json?: boolean;
  progress: boolean;
}

export function analyzeOptionsFrom(dataset: string, flags: AnalyzeFlags, signal: AbortSignal): AnalyzeOptions {
  return {
    datasetPath: path.resolve(dataset),
    testPath: flags.test ? path.resolve(flags.test) : undefined,
    labelColumn: flags.labelColumn,
    model: flags.model,
    method: flags.method,
    topK: flags.topK,
    folds: flags.folds,
    seed: flags.seed,
    maxSamples: flags.maxSamples,
    weightDecay: flags.weightDecay,
    hidden: flags.hidden,
    epochs: flags.epochs,
    workers: flags.workers,
    backend: flags.backend,
    maxExactParameters: flags.maxExactParams,
    target: flags.target,
    explain: flags.explain,
    subsetFraction: flags.subsetFraction,
    verify: flags.verify,
    verifyTestPoints: flags.verifyTests,
    converge: flags.converge,
    signal,
  };
}

/** Checks, before minutes of work, that the results can be written where asked. */
export async function assertWritableOutput(out: string): Promise<void> {
  const stat = await fs.stat(out).catch(() => undefined);
  if (stat?.isDirectory()) throw new InputError(out, 'is a folder; expected a file path for the results, e.g. results.json');
  const parent = await fs.stat(path.dirname(out)).catch(() => undefined);
  if (!parent?.isDirectory()) throw new InputError(out, `the folder ${path.dirname(out)} does not exist; expected an existing folder for the results file`);
}

/** Runs one analysis (on a worker thread, so Ctrl-C is seen in every stage) with a progress bar and writes the results atomically. */
export async function runAnalysis(options: AnalyzeOptions, out: string, showProgress: boolean): Promise<ResultsFile> {
  await assertWritableOutput(out);
  const progress = showProgress ? new StageProgress() : undefined;
  try {
    const results = await analyzeInWorker({ ...options, onProgress: (p) => progress?.update(p) });
    progress?.stop();
    await writeFileAtomic(out, JSON.stringify(results), options.signal);
    return results;
  } finally {
    progress?.stop();
  }
}

