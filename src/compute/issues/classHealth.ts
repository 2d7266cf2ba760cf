/**
 * Class imbalance and per-class health (issue 17): how many samples each
 * class has, which share of them is suspect (a likely label error, an
 * outlier, in a duplicate set, or among the harmful samples removed by the
 * check), and which pairs of classes the out-of-sample model confuses most.
 *
 * A class is flagged under-represented below UNDERREPRESENTED × the mean
 * class size (cleanlab Datalab's class_imbalance check uses 0.1 of it; we
 * flag earlier, at 0.2, because a class that small already gets few test
 * samples and an unstable accuracy).
 */
export const UNDERREPRESENTED = 0.2;

export interface ClassHealth {
  label: string;
  train: number;
  test: number;
  /** Share of the training set. */
  trainShare: number;
  underrepresented: boolean;
  labelIssues: number;
  outliers: number;
  duplicates: number;
  /** Training samples of this class flagged by any kind, over its training samples. */
  issueShare: number;
}

export interface ConfusedPair {
  /** The two classes (a < b by class order). */
  a: string;
  b: string;
  /** Training samples given a whose out-of-sample argmax is b, plus the reverse. */
  count: number;
}

export function classHealth(input: {
  classes: string[];
  yTrain: Int32Array;
  yTest: Int32Array;
  /** Per training sample, per kind. */
  labelIssue: (i: number) => boolean;
  outlier: (i: number) => boolean;
  duplicate: (i: number) => boolean;
  harmful: (i: number) => boolean;
}): ClassHealth[] {
  const c = input.classes.length;
  const n = input.yTrain.length;
  const rows = input.classes.map((label) => ({
    label,
    train: 0,
    test: 0,
    labelIssues: 0,
    outliers: 0,
    duplicates: 0,
    flagged: 0,
  }));
  for (const y of input.yTest) rows[y].test++;
  for (let i = 0; i < n; i++) {
    const r = rows[input.yTrain[i]];
    r.train++;
    const l = input.labelIssue(i);
    const o = input.outlier(i);
    const d = input.duplicate(i);
    if (l) r.labelIssues++;
    if (o) r.outliers++;
    if (d) r.duplicates++;
    if (l || o || d || input.harmful(i)) r.flagged++;
  }
  const mean = n / Math.max(c, 1);
  return rows.map(({ flagged, ...r }) => ({
    ...r,
    trainShare: n ? r.train / n : 0,
    underrepresented: r.train < UNDERREPRESENTED * mean,
    issueShare: r.train ? flagged / r.train : 0,
  }));
}

/** The `limit` class pairs most confused out of sample, most first (pairs never confused are left out). */
export function confusedPairs(
  classes: string[],
  yTrain: Int32Array,
  oosProbs: Float64Array,
  limit = 5,
): ConfusedPair[] {
  const c = classes.length;
  const counts = new Map<number, number>();
  for (let i = 0; i < yTrain.length; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (oosProbs[i * c + k] > oosProbs[i * c + best]) best = k;
    if (best === yTrain[i]) continue;
    const a = Math.min(best, yTrain[i]);
    const b = Math.max(best, yTrain[i]);
    counts.set(a * c + b, (counts.get(a * c + b) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((x, y) => y[1] - x[1] || x[0] - y[0])
    .slice(0, limit)
    .map(([key, count]) => ({ a: classes[Math.floor(key / c)], b: classes[key % c], count }));
}
