/** One analysis from command-line flags: engine options, progress bar, atomic write. */
import path from 'node:path';
import { analyze } from '../compute/pipeline/analyze';
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
    signal,
  };
}

/** Runs one analysis with a progress bar and writes the results atomically. */
export async function runAnalysis(options: AnalyzeOptions, out: string, showProgress: boolean): Promise<ResultsFile> {
  const progress = showProgress ? new StageProgress() : undefined;
  try {
    const results = await analyze({ ...options, onProgress: (p) => progress?.update(p) });
    progress?.stop();
    await writeFileAtomic(out, JSON.stringify(results));
    return results;
  } finally {
    progress?.stop();
  }
}

