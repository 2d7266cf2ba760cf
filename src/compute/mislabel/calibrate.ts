/**
 * Which out-of-sample ranking suits this dataset, read from the structure of its own likely label errors.
 *
 * Self-confidence p(given) ranks errors spread over the other classes best; the normalized margin p(given) −
 * max p(other) ranks errors that go, for each class, to one confusable class best (measured: bench/results/REPORT.md,
 * section 2). Why: a model fitted on labels where class a is often written b learns p(b) ≈ that error rate on
 * a's samples, so a wrong b label keeps a moderate p(b) and self-confidence mixes it with the samples the model
 * merely doubts; the margin subtracts p(a), which stays large. Which kind of errors a user's data holds is unknown,
 * so it is read from the data: the likely errors (the confident joint's off-diagonal, confidentJoint.ts) of each
 * given label b are counted by the class they confidently belong to, and their concentration on one class is
 * compared with the model's own doubt — where the probability mass off the label goes on the samples labelled b
 * that the model agrees with. Confusable classes make both concentrated; errors that concentrate beyond the
 * model's doubt are pair-like. The core's share of self-confidence falls linearly from 1 (excess concentration
 * ≤ 0) to 0 (excess ≥ FULL_MARGIN_EXCESS).
 *
 * Why not plant errors in a copy of the labels and keep the mix that finds them best (the calibration before):
 * on 36 settings of 7 public sets the planted errors were found equally well by every mix (within 0.005 AUROC)
 * while the real ones were not (up to 0.05 apart). The real errors among the negatives must be left out, and
 * every way to pick them (the top of either signal, or of both) favours the signal that picked them or the even
 * mix; only an oracle that knew the true errors chose well.
 *
 * A rule read off measurements, with a known weak side: errors are counted where the model is confident and the
 * doubt is summed softly, so the errors tend to look the more concentrated. On the public sets the two agree under
 * uniform noise; on synthetic probabilities that follow a well-specified noisy model exactly, p(j | x) =
 * Σ_a q(a | x)·T[a][j] with weak class structure, uniform noise flattens the doubt and the rule takes the margin
 * where self-confidence is better (0.01–0.03 AUROC).
 *
 * No randomness: the same inputs give the same bytes, in any sample order (the sums are of integers).
 */
import { confidentJoint } from './confidentJoint';
import { type LabelArray, type ProbMatrix, rowsOf } from './probs';

/** The mix when there is nothing to read: two classes (the two signals order samples alike) or too few errors. */
export const DEFAULT_MIX = 0.5;
/**
 * Excess concentration from which the core is all margin. On the public sets' pair noise the excess was 0.13–0.35
 * where the margin was better by more than 0.01 AUROC; on uniform noise it was −0.01–0.06 where self-confidence was
 * (bench/results/REPORT.md, section 2); any value in 0.06–0.2 separated them.
 */
export const FULL_MARGIN_EXCESS = 0.1;
/** Fewer likely errors than this: their structure is too noisy to read, the even mix. */
export const MIN_LIKELY_ERRORS = 10;

export interface CoreCalibration {
  /** Share of self-confidence in the core (the rest is the margin). */
  selfConfidenceShare: number;
  /** Likely errors read: the confident joint's off-diagonal count. */
  likelyErrors: number;
  /**
   * How much the likely errors of each given label concentrate on one class (0: spread evenly over the other
   * classes, 1: all on one), averaged over labels weighted by their likely errors; null when not read.
   */
  errorConcentration: number | null;
  /** The same for where the model's doubt goes on the samples it agrees with; null when not read. */
  doubtConcentration: number | null;
}

/** Probabilities as integers of 2⁻³², so sums are exact and do not depend on the order of the samples. */
const SCALE = 2 ** 32;

/** Normalized concentration of one row's off-label mass: (max share − 1/(C−1)) / (1 − 1/(C−1)). */
function concentration(row: ArrayLike<number>, label: number, C: number): number {
  let total = 0;
  let max = 0;
  for (let a = 0; a < C; a++) {
    if (a === label) continue;
    total += row[a];
    if (row[a] > max) max = row[a];
  }
  const even = 1 / (C - 1);
  return (max / total - even) / (1 - even);
}

export function calibrateCore(probs: ProbMatrix, y: LabelArray, C: number): CoreCalibration {
  const n = rowsOf(probs, C, y);
  const errors = confidentJoint(probs, y, C).counts;
  let likely = 0;
  for (let b = 0; b < C; b++) for (let a = 0; a < C; a++) if (a !== b) likely += errors[b][a];
  const unread = {
    selfConfidenceShare: DEFAULT_MIX,
    likelyErrors: likely,
    errorConcentration: null,
    doubtConcentration: null,
  };
  if (C === 2 || likely < MIN_LIKELY_ERRORS) return unread;
  // doubt[b][a]: the probability of class a on the samples labelled b whose most probable class is b.
  const doubt = Array.from({ length: C }, () => new Float64Array(C));
  for (let i = 0; i < n; i++) {
    const b = y[i];
    let top = 0;
    for (let j = 1; j < C; j++) if (probs[i * C + j] > probs[i * C + top]) top = j;
    if (top !== b) continue;
    for (let a = 0; a < C; a++) if (a !== b) doubt[b][a] += Math.round(probs[i * C + a] * SCALE);
  }
  let weight = 0;
  let errorSum = 0;
  let doubtSum = 0;
  for (let b = 0; b < C; b++) {
    let rowErrors = 0;
    let rowDoubt = 0;
    for (let a = 0; a < C; a++) {
      if (a === b) continue;
      rowErrors += errors[b][a];
      rowDoubt += doubt[b][a];
    }
    if (rowErrors === 0 || rowDoubt === 0) continue;
    weight += rowErrors;
    errorSum += rowErrors * concentration(errors[b], b, C);
    doubtSum += rowErrors * concentration(doubt[b], b, C);
  }
  if (weight < MIN_LIKELY_ERRORS) return unread;
  const errorConcentration = errorSum / weight;
  const doubtConcentration = doubtSum / weight;
  const excess = errorConcentration - doubtConcentration;
  const selfConfidenceShare = Math.min(1, Math.max(0, 1 - excess / FULL_MARGIN_EXCESS));
  return { selfConfidenceShare, likelyErrors: likely, errorConcentration, doubtConcentration };
}
