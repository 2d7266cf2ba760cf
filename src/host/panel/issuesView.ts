/**
 * The Issues tab's message (issue 17) from a results file's `issues`
 * section: counts per kind, the duplicate sets (largest first, members as
 * rows with thumbnails or record previews), the harmful and helpful samples,
 * the remove-and-retrain check and per-class health — cut to the wire's
 * limits (src/protocol/webview.ts). Results without the section give no
 * `issues` field, and the tab says so. Pure.
 */
import type { TrainRecord } from '../../compute/results/schema';
import {
  type InfluenceRow,
  type IssueKind,
  type IssuesView,
  MAX_CLASS_ROWS,
  MAX_CONFUSED_PAIRS,
  MAX_DUPLICATE_SETS,
  MAX_HARMFUL,
  MAX_SET_MEMBERS,
} from '../../protocol/webview';
import type { ReviewDecision } from '../reviews/reviews';
import { type ResultsIndex, type RowDecor, testRow } from './resultsView';

const finite = (x: number) => (Number.isFinite(x) ? x : 0);
const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/** 1% of the training set, at least one: the engine's default k (src/compute/issues/harmful.ts). */
function defaultRemoval(nTrain: number): number {
  return Math.max(1, Math.round(0.01 * nTrain));
}

export function buildIssuesView(
  index: ResultsIndex,
  reviews: Map<number, ReviewDecision>,
  decor: RowDecor = {},
): { issues?: IssuesView } {
  const issues = index.results.issues;
  if (!issues) return {};
  const row = (split: 'train' | 'test', id: number) =>
    split === 'train'
      ? index.trainRow(id, reviews.get(id), decor)
      : index.test.has(id)
        ? testRow(index.test.get(id)!, decor)
        : undefined;
  const influenceRows = (list: { train: number; influence: number }[]): InfluenceRow[] =>
    list.slice(0, MAX_HARMFUL).flatMap((e) => {
      const sample = row('train', e.train);
      return sample ? [{ influence: finite(e.influence), sample }] : [];
    });
  // Leakage and label conflicts first (they change what the numbers mean), then the largest sets.
  const sets = [...issues.duplicates.sets]
    .sort(
      (a, b) =>
        Number(b.leakage) - Number(a.leakage) ||
        Number(b.labelConflict) - Number(a.labelConflict) ||
        b.members.length - a.members.length,
    )
    .slice(0, MAX_DUPLICATE_SETS)
    .map((s) => ({
      exact: s.exact,
      leakage: s.leakage,
      labelConflict: s.labelConflict,
      size: s.members.length,
      members: s.members.slice(0, MAX_SET_MEMBERS).flatMap((m) => {
        const r = row(m.split, m.id);
        return r ? [r] : [];
      }),
    }));
  const r = issues.harmful.removal;
  const c = issues.counts;
  return {
    issues: {
      counts: {
        labelIssue: c.labelIssues,
        duplicate: c.duplicateSets,
        duplicateSamples: c.duplicateSamples,
        leakage: c.leakedTestSamples,
        labelConflict: c.labelConflictSets,
        outlier: c.trainOutliers,
        testOutliers: c.testOutliers,
        harmful: c.harmful,
        underrepresented: c.underrepresentedClasses,
      },
      outlierCut: issues.outliers.cut,
      outlierDefinition: issues.outliers.definition,
      duplicateCut: issues.duplicates.cut,
      search: issues.duplicates.search,
      duplicateSets: sets,
      harmfulDefinition: issues.harmful.definition,
      harmful: influenceRows(issues.harmful.harmful),
      helpful: influenceRows(issues.harmful.helpful),
      removal: r
        ? {
            removed: r.removed.length,
            predictedLossChange: finite(r.predictedLossChange),
            actualLossChange: finite(r.actualLossChange),
            testLossBefore: finite(r.testLossBefore),
            predictedTestLossAfter: finite(r.predictedTestLossAfter),
            testLossAfter: finite(r.testLossAfter),
            accuracyBefore: finiteOrNull(r.accuracyBefore),
            accuracyAfter: finiteOrNull(r.accuracyAfter),
          }
        : null,
      defaultRemoval: defaultRemoval(index.results.dataset.nTrain),
      classes: issues.classes
        .slice(0, MAX_CLASS_ROWS)
        .map((k) => ({ ...k, trainShare: finite(k.trainShare), issueShare: finite(k.issueShare) })),
      confusedPairs: issues.confusedPairs.slice(0, MAX_CONFUSED_PAIRS),
    },
  };
}

/** Whether a sample carries an issue of this kind (the lists' filter); `leakage` sets are resolved by the caller. */
export function hasIssue(
  kind: IssueKind,
  record: {
    likelyLabelIssue?: boolean;
    duplicateSet?: number;
    outlier?: boolean;
    testInfluence?: number;
    duplicateLabelConflict?: number;
  },
  leakedSets: ReadonlySet<number>,
  conflictSets: ReadonlySet<number>,
): boolean {
  switch (kind) {
    case 'labelIssue':
      return record.likelyLabelIssue === true;
    case 'duplicate':
      return record.duplicateSet !== undefined;
    case 'leakage':
      return record.duplicateSet !== undefined && leakedSets.has(record.duplicateSet);
    case 'labelConflict':
      return record.duplicateSet !== undefined && conflictSets.has(record.duplicateSet);
    case 'outlier':
      return record.outlier === true;
    case 'harmful':
      return (record.testInfluence ?? 0) < 0;
  }
}

/** Harmful first: the most negative whole-test-set influence (the filter's natural order). */
export function byHarm(a: TrainRecord, b: TrainRecord): number {
  return finite(a.testInfluence ?? 0) - finite(b.testInfluence ?? 0);
}
