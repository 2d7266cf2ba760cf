/**
 * The data-issue report (src/compute/issues) as results-file fields: the `issues` section and the per-sample scores.
 */
import { harmfulOrder, helpfulOrder } from '../issues/harmful';
import type { IssuesReport } from '../issues';
import { ISSUE_LIST, type IssuesSection } from '../results/schema';

export function outlierDefinition(spaces: number): string {
  return (
    'robust z-score of log(r + 0.25·(1 − c)) over the training set (median, ' +
    '1.4826·MAD): r = the larger of (mean distance to the k nearest ' +
    'training samples) and (distance to the nearest class mean), ' +
    (`each over its median in the training set, ` +
      `${spaces > 1 ? 'geometric mean over the feature space and the input space' : 'in the feature space'}; `) +
    'c = (max out-of-sample class probability − 1/C)/(1 − 1/C). Flagged at or above the cut.'
  );
}
export const HARMFUL_DEFINITION =
  'testInfluence = Σ over test samples of infl(i, t) = g_testᵀ H⁻¹ g_i, ' +
  'exact over the last layer: the predicted change of the ' +
  ('total test loss if the sample were removed and the last layer ' +
    'refitted. Negative = harmful (removing it is predicted to lower the ' +
    'test loss).');

export function issuesSection(report: IssuesReport, estimatedLabelIssues: number): IssuesSection {
  const { duplicates, outliers } = report;
  const count = (a: Float64Array, cut: number) => a.reduce((s, v) => s + (v >= cut ? 1 : 0), 0);
  const harmful = harmfulOrder(report.testInfluence);
  const entry = (i: number) => ({ train: i, influence: report.testInfluence[i] });
  const leaked = new Set<number>();
  for (const set of duplicates.sets)
    if (set.leakage) for (const m of set.members) if (m.split === 'test') leaked.add(m.id);
  const r = report.removal;
  return {
    counts: {
      labelIssues: estimatedLabelIssues,
      duplicateSets: duplicates.sets.length,
      duplicateSamples: duplicates.sets.reduce((s, set) => s + set.members.length, 0),
      leakedTestSamples: leaked.size,
      labelConflictSets: duplicates.sets.filter((s) => s.labelConflict).length,
      trainOutliers: count(outliers.trainScore, outliers.cut),
      testOutliers: count(outliers.testScore, outliers.cut),
      harmful: harmful.length,
      underrepresentedClasses: report.classes.filter((c) => c.underrepresented).length,
    },
    duplicates: {
      cut: duplicates.cut,
      medianNeighbourDistance: duplicates.medianNeighbourDistance,
      search: report.search,
      fingerprints: report.fingerprints,
      sets: duplicates.sets,
    },
    outliers: { k: outliers.k, cut: outliers.cut, definition: outlierDefinition(outliers.spaces) },
    harmful: {
      definition: HARMFUL_DEFINITION,
      solver: report.testInfluenceSolver,
      harmful: harmful.slice(0, ISSUE_LIST).map(entry),
      helpful: helpfulOrder(report.testInfluence).slice(0, ISSUE_LIST).map(entry),
      removal: r ? { ...r } : null,
    },
    classes: report.classes,
    confusedPairs: report.confusedPairs,
  };
}

/** Per-sample fields of a training (split 'train') or test record; {} without the issues pass. */
export function sampleIssueFields(report: IssuesReport | null, split: 'train' | 'test', i: number) {
  if (!report) return {};
  const { duplicates, outliers } = report;
  const score = (split === 'train' ? outliers.trainScore : outliers.testScore)[i];
  const set = (split === 'train' ? duplicates.trainSet : duplicates.testSet)[i];
  return {
    outlierScore: score,
    outlier: score >= outliers.cut,
    ...(set >= 0 ? { duplicateSet: set } : {}),
    nearestDistance: (split === 'train' ? duplicates.trainDistance : duplicates.testDistance)[i],
    ...(split === 'train'
      ? { testInfluence: report.testInfluence[i], duplicateLabelConflict: report.duplicateLabelConflict[i] }
      : {}),
  };
}
