/**
 * Which analysis "Explain this prediction" on a file uses (explain.ts does
 * the rest). A test file's lines are explained in the analysis that tests on
 * it — never in an analysis of the test file as a dataset of its own while a
 * training file claims it. Plain Node, so it is unit-tested.
 */
import { findTrainPartner } from '../../compute/data/testPartner';
import type { ResultsCache } from './cache';
import { imageDatasetRoot, isTabularFile } from './datasetProbe';
import type { DatasetChoices } from './jobOptions';
import { isInside } from '../paths';

/**
 * The cached dataset that holds `file`: one whose test file it is (first:
 * a test file's lines are explained in the analysis that tests on it), the
 * file itself, or the deepest image folder around it.
 */
export async function cachedDatasetFor(cache: ResultsCache, file: string): Promise<string | undefined> {
  let itself: string | undefined;
  let best: string | undefined;
  for (const ds of await cache.knownDatasets()) {
    const latest = await cache.latest(ds);
    if (latest && holds(latest.entry.options.testPath, file)) return ds;
    if (ds === file) itself = ds;
    else if (!isTabularFile(ds) && isInside(ds, file) && (!best || ds.length > best.length)) best = ds;
  }
  return itself ?? best;
}

/**
 * The analysis to explain `file` in: a cached one that tests on it; else,
 * for a test file that pairs with a training file, that training file
 * (`run`: analyzed, or its cached results when their settings still match);
 * else a cached analysis of the file or of an image folder around it; else
 * the file itself (or its image folder), analyzed now.
 */
export async function explainTarget(
  cache: ResultsCache,
  file: string,
  choicesOf: (datasetPath: string) => DatasetChoices,
): Promise<{ datasetPath: string; how: 'cached' | 'run' }> {
  const cached = await cachedDatasetFor(cache, file);
  const latest = cached !== undefined ? await cache.latest(cached) : undefined;
  const testsOnIt = latest !== undefined && holds(latest.entry.options.testPath, file);
  if (cached !== undefined && testsOnIt) return { datasetPath: cached, how: 'cached' };
  const guess = await datasetGuessFor(file, choicesOf);
  if (guess !== file && isTabularFile(file)) return { datasetPath: guess, how: 'run' };
  return cached !== undefined ? { datasetPath: cached, how: 'cached' } : { datasetPath: guess, how: 'run' };
}

/** Whether the analysis of `datasetPath` (with this test file or folder) holds `file`. */
export function analysisHolds(shown: { datasetPath: string; testPath?: string }, file: string): boolean {
  return holds(shown.datasetPath, file) || holds(shown.testPath, file);
}

/** `file` is the dataset or test file `p`, or lies in the image folder `p`. */
function holds(p: string | undefined, file: string): boolean {
  return p !== undefined && (p === file || (!isTabularFile(p) && isInside(p, file)));
}

/**
 * Where an analysis of an un-analyzed file would start: for a test file, the
 * training file it pairs with (compute/data/testPartner.ts), unless the user
 * chose another test set for that one; else the file itself, or the image
 * folder above an image's class folder.
 */
export async function datasetGuessFor(
  file: string,
  choicesOf: (datasetPath: string) => DatasetChoices = () => ({}),
): Promise<string> {
  if (!isTabularFile(file)) return imageDatasetRoot(file);
  const train = await findTrainPartner(file);
  const chosen = train !== undefined ? choicesOf(train).test : undefined;
  if (train !== undefined && (chosen === undefined || (chosen.kind === 'file' && chosen.path === file))) return train;
  return file;
}
