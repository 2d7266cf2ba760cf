/**
 * Wires the data-issue passes (src/compute/issues, issue 17) to a scored fit. The neighbour search and the duplicate
 * sets come first (issueNeighbours, before the ranking: a duplicate with another label feeds it); the rest runs on
 * the scored fit and takes them back.
 */
import { findIssues, findNeighbours, type IssueNeighbours, type IssuesReport, type NeighbourSearch } from '../issues';
import { keptSearch, loadNeighbours, saveNeighbours } from './neighbourCache';
import type { HeadState } from '../issues/harmful';
import type { SuspicionSignal } from '../mislabel/suspicion';
import type { LoadedDataset } from '../types';
import type { DataViews, Fitted } from './fit';
import type { Progress } from './options';
import type { Scored } from './score';

export interface IssuesStageOptions {
  /** Most harmful samples removed by the remove-and-retrain check; 0 skips it; default 1% of the training set. */
  removeHarmful?: number;
  /** The neighbours and duplicates found before the ranking (issueNeighbours). */
  neighbours?: IssueNeighbours;
  /** How the pass's own searches run (openNeighbourStore); default: searched. */
  search?: NeighbourSearch;
  signal?: AbortSignal;
  report: (p: Progress) => void;
}

function headState(fitted: Fitted, signal: AbortSignal | undefined): HeadState {
  return {
    train: fitted.train,
    test: fitted.test,
    shape: fitted.shape,
    head: fitted.net.head,
    trainProbs: fitted.trainProbs,
    testProbs: fitted.testProbs,
    l2: fitted.l2,
    factor: fitted.factor,
    damping: fitted.headDamping,
    signal,
  };
}

/** The neighbour searches of one run: answered from those kept beside the fit when they are the same search. */
export interface NeighbourStore {
  search: NeighbourSearch;
  /** Keeps what was searched anew for later runs; failing to write (a full disk) only logs. */
  save(): Promise<void>;
}

/** `file`: where this fit's searches are kept (neighbourCache.ts); none: every search runs and nothing is kept. */
export async function openNeighbourStore(
  file: string | undefined,
  fitted: Fitted,
  log?: (line: string) => void,
): Promise<NeighbourStore> {
  const kept = file ? await loadNeighbours(file, fitted) : new Map();
  if (file && kept.size > 0) log?.(`reusing the neighbour searches kept for this fit (${file})`);
  const { search, searched } = keptSearch(kept);
  return {
    search,
    save: async () => {
      if (!file || !searched()) return;
      await saveNeighbours(file, fitted, kept).then(
        () => log?.(`neighbour searches kept for later runs (${file})`),
        (error: Error) => log?.(`the neighbour searches were not kept: ${error.message}`),
      );
    },
  };
}

/**
 * The feature-space neighbours and duplicate sets of a fit (no ranking needed), and the harmful samples with their
 * check (runIssues takes them back) while the helper thread takes part of the first search.
 */
export function issueNeighbours(
  fitted: Fitted,
  data: LoadedDataset,
  signal?: AbortSignal,
  search?: NeighbourSearch,
  removeHarmful?: number,
  report?: (p: Progress) => void,
): IssueNeighbours {
  // Its own stage, between the fit and influence: without it the progress went on saying "Fitting the last layer"
  // through it (~20 s on a 240 MB CSV of 20,000 columns), and as the issues stage it would have moved the host's
  // bar to the end of the run before influence.
  report?.({ stage: 'neighbours', done: 0, total: 1, message: 'in feature space, for duplicates and outliers' });
  return findNeighbours(
    {
      state: headState(fitted, signal),
      trainHash: data.train.contentHash,
      testHash: data.test.contentHash,
      seed: fitted.settings.seed,
      search,
      signal,
      removeHarmful,
    },
    true,
  );
}

/**
 * The label-ranking signal of the duplicates: a training sample whose duplicate carries another label (one of the two
 * is wrong). None when no duplicate set has two labels (an all-zero signal says nothing).
 */
export function duplicateConflictSignals(neighbours: IssueNeighbours | null): SuspicionSignal[] {
  const values = neighbours?.duplicateLabelConflict;
  if (!values || !values.some((v) => v > 0)) return [];
  return [{ name: 'duplicateLabelConflict', values, higherIsSuspicious: true, evidence: true }];
}

/** `views`: the training inputs in shared memory (trainingViews), which the helper thread's searches read uncopied. */
export function runIssues(
  fitted: Fitted,
  data: LoadedDataset,
  views: DataViews,
  scored: Scored,
  options: IssuesStageOptions,
): IssuesReport {
  const likely = new Set<number>(Array.from(scored.ranking.order.subarray(0, scored.ranking.estimatedCount)));
  return findIssues({
    state: headState(fitted, options.signal),
    classes: data.classes,
    inputs: {
      train: { x: views.trainData.x, n: views.trainData.n, d: data.dims },
      test: { x: views.testData.x, n: views.testData.n, d: data.dims },
    },
    trainHash: data.train.contentHash,
    testHash: data.test.contentHash,
    oosProbs: fitted.oosProbs,
    likelyLabelIssue: (i) => likely.has(i),
    neighbours: options.neighbours,
    search: options.search,
    removeHarmful: options.removeHarmful,
    seed: fitted.settings.seed,
    signal: options.signal,
    onProgress: (done, total, message) => options.report({ stage: 'issues', done, total, message }),
  });
}
