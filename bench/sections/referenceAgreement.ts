/**
 * How far the digits job's two programs give the same answers (bench/reference/digitsLogreg.py against the engine's
 * results file): the comparison of their times means something only if they did the same job. Each share is of the
 * engine's answer that the reference also gives. The influence parts (proponents, harmful samples) are the same
 * mathematics on the same fit and should agree all but exactly; the label-issue and outlier parts also depend on the
 * cross-fitting folds, which the two programs draw with different generators.
 */
import fs from 'node:fs';

export interface ReferenceAgreement {
  /** Of the engine's top-10 proponents of each test sample. */
  proponents: number;
  /** Of the engine's most harmful training samples that its check removed. */
  harmful: number;
  /** Of the engine's likely label errors. */
  labelIssues: number;
  /** Of the engine's training outliers. */
  outliers: number;
  /** Duplicate sets found by the engine and by the reference. */
  duplicateSets: [number, number];
}

/** A training sample's record in either file: the two write the flags under the same names. */
interface TrainRecord {
  id: number;
  likelyLabelIssue: boolean;
  outlier: boolean;
}

interface EngineFile {
  test: { proponents: { train: number }[] }[];
  train: TrainRecord[];
  issues: { duplicates: { sets: unknown[] }; harmful: { removal: { removed: number[] } | null } };
}

interface ReferenceFile {
  proponents: number[][];
  train: TrainRecord[];
  issues: { duplicates: { sets: unknown[] }; removal: { removed: number[] } };
}

/** |a ∩ b| / |a|, 1 when a is empty (nothing of the engine's to find). */
function shareFound(a: readonly number[], b: Iterable<number>): number {
  const found = new Set(b);
  return a.length ? a.filter((i) => found.has(i)).length / a.length : 1;
}

function flagged(records: readonly TrainRecord[], flag: (r: TrainRecord) => boolean): number[] {
  return records.filter(flag).map((r) => r.id);
}

export function referenceAgreement(engineFile: string, referenceFile: string): ReferenceAgreement {
  const ours = JSON.parse(fs.readFileSync(engineFile, 'utf8')) as EngineFile;
  const theirs = JSON.parse(fs.readFileSync(referenceFile, 'utf8')) as ReferenceFile;
  let shared = 0;
  let total = 0;
  ours.test.forEach((t, i) => {
    const mine = t.proponents.map((p) => p.train);
    shared += shareFound(mine, theirs.proponents[i] ?? []) * mine.length;
    total += mine.length;
  });
  const likely = (r: TrainRecord) => r.likelyLabelIssue;
  const outlier = (r: TrainRecord) => r.outlier;
  return {
    proponents: total > 0 ? shared / total : 1,
    harmful: shareFound(ours.issues.harmful.removal?.removed ?? [], theirs.issues.removal.removed),
    labelIssues: shareFound(flagged(ours.train, likely), flagged(theirs.train, likely)),
    outliers: shareFound(flagged(ours.train, outlier), flagged(theirs.train, outlier)),
    duplicateSets: [ours.issues.duplicates.sets.length, theirs.issues.duplicates.sets.length],
  };
}

/** The lowest of each share over the runs, and the duplicate counts of the first run (they do not vary). */
export function worstAgreement(runs: readonly ReferenceAgreement[]): ReferenceAgreement | null {
  if (runs.length === 0) return null;
  const lowest = (key: 'proponents' | 'harmful' | 'labelIssues' | 'outliers') => Math.min(...runs.map((r) => r[key]));
  return {
    proponents: lowest('proponents'),
    harmful: lowest('harmful'),
    labelIssues: lowest('labelIssues'),
    outliers: lowest('outliers'),
    duplicateSets: runs[0].duplicateSets,
  };
}
