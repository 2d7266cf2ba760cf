/** Wires the data-issue passes (src/compute/issues, issue 17) to a scored fit. */
import { findIssues, type IssuesReport } from '../issues';
import type { LoadedDataset } from '../types';
import type { Fitted } from './fit';
import type { Progress } from './options';
import type { Scored } from './score';

export interface IssuesStageOptions {
  /** Most harmful samples removed by the remove-and-retrain check; 0 skips it; default 1% of the training set. */
  removeHarmful?: number;
  signal?: AbortSignal;
  report: (p: Progress) => void;
}

export function runIssues(
  fitted: Fitted,
  data: LoadedDataset,
  scored: Scored,
  options: IssuesStageOptions,
): IssuesReport {
  const likely = new Set<number>(Array.from(scored.ranking.order.subarray(0, scored.ranking.estimatedCount)));
  return findIssues({
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
    signal: options.signal,
    onProgress: (done, total, message) => options.report({ stage: 'issues', done, total, message }),
  });
}
