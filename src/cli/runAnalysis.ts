/** One analysis from command-line flags: engine options, progress bar, atomic write. */
import path from 'node:path';
import { InputError } from '../compute/errors';
import { findTestPartner } from '../compute/data/testPartner';
import type { AnalyzeRun } from '../compute/pipeline/analyze';
import { besideFit } from '../compute/pipeline/besideFit';
import { type AnalysisAnswer, analyzeInWorker } from '../compute/process/analyzeInWorker';
import type { AnalyzeOptions } from '../compute/pipeline/options';
import { removeStaleTemps, writeFileAtomic } from '../compute/results/writeAtomic';
import { engineOptionsFrom } from './flags';
import { checkOutputTarget, inputFiles, type ProtectedInputs, SAVED_FIT } from './outputTarget';
import { StageProgress } from './progressBar';

/**
 * Commander's parsed flags: the CLI's own, and the engine options under their flags' names (read by engineOptionsFrom).
 */
export interface AnalyzeFlags extends Record<string, unknown> {
  test?: string;
  /** false with --no-test-partner: never look for a test file beside the dataset. */
  testPartner?: boolean;
  labelColumn?: string;
  /**
   * Where the fit is saved and, on a later run with the same fit options and data, reused from (kept beside it:
   * `<file>.scores`, `<file>.scores.cg` and the like, `<file>.neighbours`).
   */
  fitCache?: string;
  out: string;
  json?: boolean;
  progress: boolean;
}

export function analyzeOptionsFrom(dataset: string, flags: AnalyzeFlags, signal: AbortSignal): AnalyzeRun {
  return {
    ...engineOptionsFrom(flags),
    fitPath: flags.fitCache ? path.resolve(flags.fitCache) : undefined,
    datasetPath: path.resolve(dataset),
    testPath: flags.test ? path.resolve(flags.test) : undefined,
    labelColumn: flags.labelColumn,
    signal,
  };
}

/**
 * The test file: the one given with --test, else the test/valid file beside
 * the dataset (testPartner.ts), named on stderr so the user knows which split
 * the accuracy is for; --no-test-partner turns the search off.
 */
export async function chooseTestPath(
  datasetPath: string,
  flags: AnalyzeFlags,
  say: (line: string) => void,
): Promise<string | undefined> {
  if (flags.test) return path.resolve(flags.test);
  if (flags.testPartner === false) return undefined;
  const partner = await findTestPartner(datasetPath, flags.labelColumn);
  if (partner.kind === 'file') {
    say(`test set: ${partner.reason} (--test <file> to choose another, --no-test-partner for a hold-out)`);
    return partner.testPath;
  }
  if (partner.kind === 'none' && partner.candidates.length > 0)
    say(`test set: a 20% hold-out: ${partner.reason} (--test <file>)`);
  return undefined;
}

/** Why writing the results failed, for errors the user can act on (a full disk, a read-only file system). */
const WRITE_FAILURES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EFBIG: 'the file grew past the size limit this process may write',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  ENOTREG: 'it is no longer a regular file',
};

async function writeResults(out: string, content: Uint8Array, signal?: AbortSignal): Promise<void> {
  try {
    await writeFileAtomic(out, content, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code ? WRITE_FAILURES[code] : undefined;
    if (!why) throw error;
    const mb = (content.byteLength / 2 ** 20).toFixed(1);
    throw new InputError(
      out,
      `${why} while writing the results (${mb} MB); the previous file, if ` +
        `any, is unchanged: free space or choose another --out`,
    );
  }
}

/**
 * Runs one analysis (on a worker thread, so Ctrl-C is seen in every stage) with a progress bar and writes the results
 * atomically.
 */
export async function runAnalysis(options: AnalyzeRun, out: string, showProgress: boolean): Promise<AnalysisAnswer> {
  const target = await checkOutputTarget(out, protectedInputs(options));
  await removeStaleTemps(target);
  const fitPath = options.fitPath ? await checkFitCache(options.fitPath, target, options) : undefined;
  const progress = showProgress ? new StageProgress() : undefined;
  try {
    const answer = await analyzeInWorker({
      ...options,
      fitPath,
      onProgress: (p) => progress?.update(p),
      onFitCache: (line) => {
        if (showProgress) process.stderr.write(`${line}\n`);
      },
    });
    progress?.stop();
    await writeResults(target, answer.json, options.signal);
    return answer;
  } finally {
    progress?.stop();
  }
}

/** The files no output of the run may replace. */
const protectedInputs = (o: AnalyzeOptions): ProtectedInputs => ({
  datasetPath: o.datasetPath,
  testPath: o.testPath,
  sideFiles: inputFiles(o),
});

/**
 * --fit-cache: the same rules as --out (a regular file or a new name, never the data), and not the results file itself.
 */
async function checkFitCache(fitPath: string, resultsTarget: string, inputs: AnalyzeOptions): Promise<string> {
  const target = await checkOutputTarget(fitPath, protectedInputs(inputs), '--fit-cache', SAVED_FIT);
  if (path.resolve(target) === path.resolve(resultsTarget)) {
    throw new InputError(fitPath, 'is the results file (--out); expected another file for the saved fit, e.g. fit.bin');
  }
  // What is kept beside the fit (exact scores, an iterative method's solves, neighbour searches): the same rules.
  const beside = besideFit(target).all;
  for (const file of beside) {
    await checkOutputTarget(file, protectedInputs(inputs), '--fit-cache', SAVED_FIT);
  }
  await removeStaleTemps(target);
  for (const file of beside) await removeStaleTemps(file);
  return target;
}
