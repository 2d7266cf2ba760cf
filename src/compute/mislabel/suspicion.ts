/**
 * The suspicion score: how likely a training label is wrong, in [0, 1],
 * higher = more suspicious. It combines signals that fail in different ways:
 *
 * - out-of-sample normalized margin (k-fold cross-fitting): the model never
 *   saw the sample, so it cannot have memorised a wrong label. The strongest
 *   single signal, but it also flags samples that are merely hard.
 * - training loss at θ̂: a memorised wrong label has lower loss than out of
 *   sample, but still high relative to clean samples.
 * - self-influence g_iᵀH⁻¹g_i: how far the sample pulls the model toward
 *   itself; high for wrong labels and for atypical inputs.
 *
 * Each signal is turned into a percentile rank (robust to scale and outliers,
 * and comparable across signals), and the ranks are averaged with weights.
 */
import { averageRanks } from '../stats/metrics';

export interface SuspicionInputs {
  /** Out-of-sample normalized margin p(given) − max p(other); lower = more suspicious. */
  outOfSampleMargin: ArrayLike<number>;
  /** Cross-entropy at θ̂; higher = more suspicious. */
  trainLoss: ArrayLike<number>;
  /** g_iᵀH⁻¹g_i; higher = more suspicious. */
  selfInfluence: ArrayLike<number>;
}

export const SUSPICION_WEIGHTS = { margin: 0.5, loss: 0.25, selfInfluence: 0.25 } as const;

/** Percentile ranks in [0, 1] (ties share their average rank); higher value → higher rank. */
function percentileRanks(values: ArrayLike<number>): Float64Array {
  const ranks = averageRanks(values); // 1-based average ranks
  const n = values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = n > 1 ? (ranks[i] - 1) / (n - 1) : 0.5;
  return out;
}

export function suspicionScores(inputs: SuspicionInputs): Float64Array {
  const n = inputs.trainLoss.length;
  const negMargin = new Float64Array(n);
  for (let i = 0; i < n; i++) negMargin[i] = -inputs.outOfSampleMargin[i];
  const margin = percentileRanks(negMargin);
  const loss = percentileRanks(inputs.trainLoss);
  const self = percentileRanks(inputs.selfInfluence);
  const w = SUSPICION_WEIGHTS;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = w.margin * margin[i] + w.loss * loss[i] + w.selfInfluence * self[i];
  return out;
}
