/**
 * cleanlab's documented label-quality scores and label-issue count,
 * reimplemented from its definitions (cleanlab 2.x: `rank.get_self_confidence_for_each_label`,
 * `rank.get_normalized_margin_for_each_label`, `count.num_label_issues` with
 * `estimation_method` 'off_diagonal' (its default) and
 * 'off_diagonal_calibrated'), so the benchmark can run cleanlab's methods on
 * the very probabilities our ranking uses, and the engine can choose among
 * count estimators by measurement. Behaviour matched on purpose, including
 * the details that change counts: thresholds clipped below at 2e-6, a 1e-6
 * slack when comparing with a threshold, the plain argmax when two or more
 * classes are confident, at least one count on every diagonal cell, row
 * then total calibration, rounding that keeps row totals (numpy's
 * half-to-even rounding), and 'off_diagonal' dropping samples whose given
 * label is (within 1e-6) the argmax.
 *
 * Scores: **lower = more likely mislabeled** (cleanlab's convention).
 */
import { type LabelArray, type ProbMatrix, rowsOf } from './probs';

const FLOATING_POINT_COMPARISON = 1e-6;
const CONFIDENT_THRESHOLDS_LOWER_BOUND = 2 * FLOATING_POINT_COMPARISON;
/** Threshold of a class no sample carries: no probability reaches it. */
const BIG_VALUE = 2;
const TINY_VALUE = 1e-100;

export type CleanlabCountMethod = 'off_diagonal' | 'off_diagonal_calibrated';

/** p(given label): cleanlab's self-confidence, in [0, 1]; lower = more suspicious. */
export function selfConfidenceForEachLabel(probs: ProbMatrix, y: LabelArray, C: number): Float64Array {
  const n = rowsOf(probs, C, y);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = probs[i * C + y[i]];
  return out;
}

/** (p(given) − max p(other) + 1) / 2: cleanlab's normalized margin, in [0, 1]; lower = more suspicious. */
export function normalizedMarginForEachLabel(probs: ProbMatrix, y: LabelArray, C: number): Float64Array {
  const n = rowsOf(probs, C, y);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let other = -Infinity;
    for (let j = 0; j < C; j++) if (j !== y[i] && probs[i * C + j] > other) other = probs[i * C + j];
    out[i] = (probs[i * C + y[i]] - other + 1) / 2;
  }
  return out;
}

/** Per class k: mean p_k over the samples labelled k (BIG_VALUE when none), clipped below at 2e-6. */
export function confidentThresholds(probs: ProbMatrix, y: LabelArray, C: number): Float64Array {
  const n = rowsOf(probs, C, y);
  const sums = new Float64Array(C);
  const counts = new Int32Array(C);
  for (let i = 0; i < n; i++) {
    sums[y[i]] += probs[i * C + y[i]];
    counts[y[i]]++;
  }
  return Float64Array.from(sums, (s, k) =>
    Math.max(counts[k] > 0 ? s / counts[k] : BIG_VALUE, CONFIDENT_THRESHOLDS_LOWER_BOUND),
  );
}

export interface CleanlabConfidentJoint {
  /** Rows = given label, columns = guessed true label (integers; calibrated when asked). */
  joint: number[][];
  /** Samples counted off the diagonal (confident in a class other than their label), ascending. */
  offDiagonal: number[];
}

function argmax(probs: ProbMatrix, row: number, C: number): number {
  let best = 0;
  for (let j = 1; j < C; j++) if (probs[row * C + j] > probs[row * C + best]) best = j;
  return best;
}

/** cleanlab's `compute_confident_joint` (single-label). */
export function computeConfidentJoint(
  probs: ProbMatrix,
  y: LabelArray,
  C: number,
  options: { calibrate: boolean },
): CleanlabConfidentJoint {
  const n = rowsOf(probs, C, y);
  const t = confidentThresholds(probs, y, C);
  const joint = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const offDiagonal: number[] = [];
  for (let i = 0; i < n; i++) {
    let confident = 0;
    let firstConfident = -1;
    for (let j = 0; j < C; j++) {
      if (probs[i * C + j] >= t[j] - FLOATING_POINT_COMPARISON) {
        confident++;
        if (firstConfident < 0) firstConfident = j;
      }
    }
    if (confident === 0) continue; // not confident in any class: an outlier, counted nowhere
    const guess = confident > 1 ? argmax(probs, i, C) : firstConfident;
    joint[y[i]][guess]++;
    if (guess !== y[i]) offDiagonal.push(i);
  }
  for (let k = 0; k < C; k++) joint[k][k] = Math.max(joint[k][k], 1);
  if (!options.calibrate) return { joint, offDiagonal };
  const labelCounts = new Array<number>(C).fill(0);
  for (let i = 0; i < n; i++) labelCounts[y[i]]++;
  return { joint: calibrateConfidentJoint(joint, labelCounts), offDiagonal };
}

/** Rows rescaled to the label counts, the whole to their sum, then rounded keeping each row's total. */
export function calibrateConfidentJoint(joint: number[][], labelCounts: number[]): number[][] {
  const rows = joint.map((row, k) => {
    const total = Math.max(
      row.reduce((s, v) => s + v, 0),
      TINY_VALUE,
    );
    return row.map((v) => (v / total) * labelCounts[k]);
  });
  const all = Math.max(numpySum(rows.flat()), TINY_VALUE);
  const n = labelCounts.reduce((s, v) => s + v, 0);
  return rows.map((row) => roundPreservingSum(row.map((v) => (v / all) * n)));
}

/**
 * numpy's float sum (pairwise, 8 accumulators): the calibrated joint's
 * entries are rounded by their last bits when several tie, so the sum must
 * round the way numpy's does for the same integers.
 */
export function numpySum(a: number[], from = 0, n = a.length): number {
  if (n < 8) {
    let res = -0;
    for (let i = from; i < from + n; i++) res += a[i];
    return res;
  }
  if (n <= 128) {
    const r = a.slice(from, from + 8);
    const whole = n - (n % 8);
    for (let i = 8; i < whole; i += 8) for (let j = 0; j < 8; j++) r[j] += a[from + i + j];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (let i = whole; i < n; i++) res += a[from + i];
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return numpySum(a, from, half) + numpySum(a, from + half, n - half);
}

/** numpy's round: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Rounds to integers whose sum is the rounded sum, adjusting the entries whose rounding moved them most (cleanlab's
 * round_preserving_sum).
 */
export function roundPreservingSum(values: number[]): number[] {
  const ints = values.map(roundHalfEven);
  const target = roundHalfEven(values.reduce((s, v) => s + v, 0));
  let sum = roundHalfEven(ints.reduce((s, v) => s + v, 0));
  while (Math.abs(sum - target) > FLOATING_POINT_COMPARISON) {
    const diff = roundHalfEven(target - sum);
    const step = diff < 0 ? -1 : 1;
    const changes = Math.min(Math.abs(diff), values.length);
    // numpy: argsort(floats − ints)[::-step] — the largest residuals first when adding, the smallest when removing.
    const order = values.map((_, i) => i).sort((a, b) => values[a] - ints[a] - (values[b] - ints[b]) || a - b);
    if (step > 0) order.reverse();
    for (const i of order.slice(0, changes)) ints[i] += step;
    sum = roundHalfEven(ints.reduce((s, v) => s + v, 0));
  }
  return ints;
}

/**
 * The samples cleanlab's 'off_diagonal' count counts: off the confident joint's
 * diagonal, less those whose given label is the argmax once it gets a 1e-6 head
 * start (cleanlab's _reduce_issues). Ascending sample indices.
 */
export function offDiagonalIssues(probs: ProbMatrix, y: LabelArray, C: number): number[] {
  const { offDiagonal } = computeConfidentJoint(probs, y, C, { calibrate: false });
  return offDiagonal.filter((i) => {
    let best = 0;
    let bestP = -Infinity;
    for (let j = 0; j < C; j++) {
      const p = probs[i * C + j] + (j === y[i] ? FLOATING_POINT_COMPARISON : 0);
      if (p > bestP) {
        bestP = p;
        best = j;
      }
    }
    return best !== y[i];
  });
}

/** cleanlab's `num_label_issues` (single-label); its default method is 'off_diagonal'. */
export function numLabelIssues(
  probs: ProbMatrix,
  y: LabelArray,
  C: number,
  method: CleanlabCountMethod = 'off_diagonal',
): number {
  const n = rowsOf(probs, C, y);
  if (method === 'off_diagonal') return offDiagonalIssues(probs, y, C).length;
  const labelCounts = new Array<number>(C).fill(0);
  for (let i = 0; i < n; i++) labelCounts[y[i]]++;
  // estimate_joint calibrates the calibrated joint once more (a no-op up to rounding; kept for the same integers).
  const joint = calibrateConfidentJoint(computeConfidentJoint(probs, y, C, { calibrate: true }).joint, labelCounts);
  const total = Math.max(
    joint.reduce((s, row) => s + row.reduce((a, v) => a + v, 0), 0),
    TINY_VALUE,
  );
  const trace = numpySum(joint.map((row, k) => row[k] / total));
  return roundHalfEven((1 - trace) * n);
}
