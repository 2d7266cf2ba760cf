/**
 * Per-sample mislabel signals computed from out-of-sample predicted
 * probabilities (n × C, row-major). Each function does one thing; the
 * combination into one `suspicion` score lives elsewhere.
 *
 * Use cross-fitted probabilities (each sample predicted by a model that did
 * not train on it): in-sample, a model that memorised a wrong label looks
 * confident in it and every signal here goes blind.
 */
import { type LabelArray, type ProbMatrix, rowsOf } from './probs';

export type { LabelArray, ProbMatrix } from './probs';
export {
  type ConfidentJoint,
  confidentJoint,
  estimateLabelIssueCount,
  offDiagonalCount,
  perClassThresholds,
} from './confidentJoint';

/**
 * Normalized margin: p(given label) − max over other classes p(other).
 *
 * In [-1, 1]. Positive = the model agrees with the given label (by that much);
 * negative = it prefers another class. **Lower is more suspicious**: near -1
 * means the model is sure the sample belongs to a different class. This is
 * the confident-learning ranking signal that separates label errors from
 * merely hard samples better than p(given) alone.
 */
export function normalizedMargin(probs: ProbMatrix, y: LabelArray, C: number): Float64Array {
  const n = rowsOf(probs, C, y);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * C;
    const given = y[i];
    let otherMax = -Infinity;
    for (let j = 0; j < C; j++) if (j !== given && probs[row + j] > otherMax) otherMax = probs[row + j];
    out[i] = probs[row + given] - otherMax;
  }
  return out;
}

/**
 * Self-confidence: the predicted probability of the given label, p(given).
 *
 * In [0, 1]. **Lower is more suspicious.** Simple, but it cannot tell
 * "probably another class" from "ambiguous between many classes"; prefer
 * {@link normalizedMargin} for ranking.
 */
export function selfConfidence(probs: ProbMatrix, y: LabelArray, C: number): Float64Array {
  const n = rowsOf(probs, C, y);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = probs[i * C + y[i]];
  return out;
}

/**
 * Suggested label per sample: the class with the highest out-of-sample
 * probability (equal probabilities: the lower class index). It is what the UI
 * offers as the fix; it equals the given label for samples the model agrees with.
 */
export function suggestedLabels(probs: ProbMatrix, C: number): Int32Array {
  const n = rowsOf(probs, C);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * C;
    let best = 0;
    for (let j = 1; j < C; j++) if (probs[row + j] > probs[row + best]) best = j;
    out[i] = best;
  }
  return out;
}
