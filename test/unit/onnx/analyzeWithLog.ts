/** A small analysis (2 folds, one worker, seed 2) that also returns the fit cache's log lines, joined. */
import { analyze, type AnalyzeRun } from '../../../src/compute/pipeline/analyze';
import type { ResultsFile } from '../../../src/compute/results/schema';

export async function analyzeWithLog(
  options: Partial<AnalyzeRun> & { datasetPath: string },
): Promise<{ results: ResultsFile; log: string }> {
  const log: string[] = [];
  const results = await analyze({ folds: 2, workers: 1, seed: 2, ...options, onFitCache: (line) => log.push(line) });
  return { results, log: log.join('\n') };
}
