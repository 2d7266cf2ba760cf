/**
 * How well one score ranks the truly mislabeled samples first, and what a
 * random ranking would get in expectation (computed exactly, not sampled).
 * The metrics themselves are the engine's (src/compute/stats/metrics.ts).
 */
import { auroc, averagePrecision, recallAtFraction } from '../../src/compute/stats/metrics';

export const RECALL_FRACTIONS = [0.05, 0.1, 0.2] as const;

export interface RankingQuality {
  auroc: number;
  /** Average precision (area under the precision–recall curve). */
  auprc: number;
  /** Recall after inspecting the top 5%, 10%, 20% of the ranking. */
  recallAt: Record<string, number>;
}

export function rankingQuality(scores: ArrayLike<number>, positives: boolean[]): RankingQuality {
  const recallAt: Record<string, number> = {};
  for (const f of RECALL_FRACTIONS) recallAt[String(f)] = recallAtFraction(scores, positives, f);
  return { auroc: auroc(scores, positives), auprc: averagePrecision(scores, positives), recallAt };
}

/** Inspected items at fraction f, exactly as recallAtFraction counts them. */
function inspected(n: number, f: number): number {
  return Math.min(n, Math.ceil(f * n - 1e-9));
}

/**
 * Expectation over uniformly random rankings of n items with p positives:
 * AUROC 1/2; recall@f = k/n; AP = (H_n + (p−1)/(n−1)·(n − H_n)) / n, from
 * E[precision@k | positive at k] = (1 + (k−1)(p−1)/(n−1)) / k.
 */
export function randomRankingQuality(n: number, p: number): RankingQuality {
  let harmonic = 0;
  for (let k = 1; k <= n; k++) harmonic += 1 / k;
  const auprc = n > 1 ? (harmonic + ((p - 1) / (n - 1)) * (n - harmonic)) / n : 1;
  const recallAt: Record<string, number> = {};
  for (const f of RECALL_FRACTIONS) recallAt[String(f)] = inspected(n, f) / n;
  return { auroc: 0.5, auprc, recallAt };
}

/** The best any ranking can do: every positive first. */
export function bestRecallAt(n: number, p: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of RECALL_FRACTIONS) out[String(f)] = Math.min(1, inspected(n, f) / p);
  return out;
}

/** Recall after inspecting each fraction in `fractions` (for the recall curve plot). */
export function recallCurve(
  scores: ArrayLike<number>,
  positives: boolean[],
  fractions: number[],
): { x: number; y: number }[] {
  return fractions.map((f) => ({ x: f, y: recallAtFraction(scores, positives, f) }));
}
