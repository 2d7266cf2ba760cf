/** Wires the data-issue passes (src/compute/issues, issue 17) to a scored fit. */
import { findIssues, type IssuesReport } from '../issues';
import { keptSearch, loadNeighbours, saveNeighbours } from './neighbourCache';
import type { LoadedDataset } from '../types';
import type { Fitted } from './fit';
import type { Progress } from './options';
import type { Scored } from './score';

export interface IssuesStageOptions {
  /** Most harmful samples removed by the remove-and-retrain check; 0 skips it; default 1% of the training set. */
  removeHarmful?: number;
  /** Where the neighbour searches of this fit are kept for later runs (neighbourCache.ts); none: not kept. */
  neighbourCachePath?: string;
  /** A line for the log: whether kept searches were used. */
  log?: (line: string) => void;
  signal?: AbortSignal;
  report: (p: Progress) => void;
}

export async function runIssues(
  fitted: Fitted,
  data: LoadedDataset,
  scored: Scored,
  options: IssuesStageOptions,
): Promise<IssuesReport> {
  const likely = new Set<number>(Array.from(scored.ranking.order.subarray(0, scored.ranking.estimatedCount)));
  const file = options.neighbourCachePath;
  const kept = file ? await loadNeighbours(file, fitted) : new Map();
  if (file && kept.size > 0) options.log?.(`reusing the neighbour searches kept for this fit (${file})`);
  const { search, searched } = keptSearch(kept);
  const report = findIssues({
    state: {
      train: fitted.train,
      test: fitted.test,
      shape: fitted.shape,
      head: fitted.net.head,
      trainProbs: fitted.trainProbs,
      testProbs: fitted.testProbs,
      l2: fitted.l2,
      factor: fitted.factor,
      damping: fitted.headDamping,
      signal: options.signal,
    },
    classes: data.classes,
    inputs: {
      train: { x: data.train.x, n: data.train.y.length, d: data.dims },
      test: { x: data.test.x, n: data.test.y.length, d: data.dims },
    },
    trainHash: data.train.contentHash,
    testHash: data.test.contentHash,
    oosProbs: fitted.oosProbs,
    likelyLabelIssue: (i) => likely.has(i),
    removeHarmful: options.removeHarmful,
    seed: fitted.settings.seed,
    neighbours: search,
    signal: options.signal,
    onProgress: (done, total, message) => options.report({ stage: 'issues', done, total, message }),
  });
  if (file && searched()) {
    // Keeping them only saves time later: failing to write (a full disk) must not fail this run.
    await saveNeighbours(file, fitted, kept).then(
      () => options.log?.(`neighbour searches kept for later runs (${file})`),
      (error: Error) => options.log?.(`the neighbour searches were not kept: ${error.message}`),
    );
  }
  return report;
}
