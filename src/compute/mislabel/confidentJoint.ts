/**
 * Confident learning (Northcutt, Jiang & Chuang, "Confident Learning:
 * Estimating Uncertainty in Dataset Labels", JAIR 2021): count, from
 * out-of-sample probabilities, how many samples labelled i confidently belong
 * to class j, and from that estimate how many labels are wrong. The estimate
 * gives the suspect list its natural cut ("about 37 labels look wrong").
 *
 * Written from the paper's definitions; see the function comments for the
 * choices the paper leaves open.
 */
import { type LabelArray, type ProbMatrix, rowsOf } from './probs';

/**
 * Slack when comparing a probability with its class threshold. A threshold is
 * a mean of probabilities, and float32 probabilities carry rounding error of
 * up to ~6e-8 each, so a sample whose p equals the mean on paper can miss it
 * by a few 1e-9 (see the Float32 test). 1e-6 covers that and is still far
 * below any probability difference that means something.
 */
const THRESHOLD_SLACK = 1e-6;

/** Result of {@link confidentJoint}. Rows are given labels, columns likely true labels. */
export interface ConfidentJoint {
  /** Per-class thresholds t_j (see {@link perClassThresholds}). */
  thresholds: Float64Array;
  /** Number of samples carrying each given label. */
  labelCounts: Int32Array;
  /**
   * counts[i][j]: samples labelled i whose confident class is j (integers).
   * Samples for which no class clears its threshold are in no cell.
   */
  counts: number[][];
  /**
   * calibrated[i][j]: `counts` rescaled so row i sums to labelCounts[i] — the
   * estimated number of samples labelled i whose true class is j. Off-diagonal
   * mass is estimated label errors; the UI shows this as the "noise matrix".
   */
  calibrated: number[][];
}

/**
 * Per-class confidence thresholds: t_j = mean of p_j over the samples whose
 * given label is j — "how confident is the model in class j on samples that
 * claim to be j". A sample counts as confidently class j when p_j ≥ t_j.
 *
 * Higher t_j = the model is generally sure about class j. NaN when no sample
 * is labelled j: then no sample can confidently be assigned to j.
 */
export function perClassThresholds(probs: ProbMatrix, y: LabelArray, C: number): Float64Array {
  const n = rowsOf(probs, C, y);
  const sums = new Float64Array(C);
  const counts = new Int32Array(C);
  for (let i = 0; i < n; i++) {
    const label = y[i];
    sums[label] += probs[i * C + label];
    counts[label]++;
  }
  const thresholds = new Float64Array(C);
  for (let j = 0; j < C; j++) thresholds[j] = counts[j] > 0 ? sums[j] / counts[j] : NaN;
  return thresholds;
}

/**
 * The confident joint and its calibrated form.
 *
 * A sample labelled i is counted in cell [i][j] for the class j with the
 * largest p_j among the classes whose p_j reaches their threshold t_j (equal
 * probabilities: the lower class index). Samples where no class reaches its
 * threshold are left out — the model is not confident about them either way.
 *
 * Calibration rescales row i to sum to the number of samples labelled i, so
 * that the left-out samples are distributed like the counted ones. Every
 * non-empty row has at least one counted sample (the one with the largest p_i
 * among those labelled i reaches the mean t_i), unless the probabilities hold
 * NaN; then the row has no evidence of errors and its whole count goes on the
 * diagonal rather than dividing by zero.
 */
export function confidentJoint(probs: ProbMatrix, y: LabelArray, C: number): ConfidentJoint {
  const n = rowsOf(probs, C, y);
  const thresholds = perClassThresholds(probs, y, C);
  const labelCounts = new Int32Array(C);
  const counts = Array.from({ length: C }, () => new Array<number>(C).fill(0));

  for (let i = 0; i < n; i++) {
    const given = y[i];
    labelCounts[given]++;
    const row = i * C;
    let best = -1;
    for (let j = 0; j < C; j++) {
      const p = probs[row + j];
      // NaN threshold (class never given) fails this comparison, as intended.
      if (!(p >= thresholds[j] - THRESHOLD_SLACK)) continue;
      if (best < 0 || p > probs[row + best]) best = j;
    }
    if (best >= 0) counts[given][best]++;
  }

  const calibrated = counts.map((row, i) => {
    const counted = row.reduce((s, c) => s + c, 0);
    if (counted === 0) return row.map((_, j) => (j === i ? labelCounts[i] : 0));
    return row.map((c) => (c / counted) * labelCounts[i]);
  });
  return { thresholds, labelCounts, counts, calibrated };
}

/**
 * Estimated number of wrong labels: the off-diagonal mass of the calibrated
 * confident joint, rounded to a whole number of samples.
 *
 * In [0, n]; higher = a noisier dataset. It is an estimate of the *count*, not
 * a verdict on any one sample: rank samples by a per-sample signal (e.g.
 * {@link normalizedMargin}) and cut the ranked list at this many.
 */
export function estimateLabelIssueCount(probs: ProbMatrix, y: LabelArray, C: number): number {
  return offDiagonalCount(confidentJoint(probs, y, C).calibrated);
}

/** Rounded off-diagonal sum of a calibrated joint (when the caller already has one). */
export function offDiagonalCount(calibrated: number[][]): number {
  let total = 0;
  calibrated.forEach((row, i) =>
    row.forEach((v, j) => {
      if (i !== j) total += v;
    }),
  );
  return Math.round(total);
}
