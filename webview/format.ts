/** Number formatting and the trust verdict, shared by the panel's views. Pure. */
import type { ResultsView } from '../src/protocol/webview';

export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(digits) : x.toExponential(1);
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`;
}

export type TrustLevel = 'high' | 'moderate' | 'low' | 'unknown';

export interface Trust {
  level: TrustLevel;
  /** Short badge text. */
  badge: string;
  /** A plain sentence on what the check found and what it means for these results. */
  sentence: string;
}

/**
 * How far to trust the influence numbers, from the reliability check
 * (influence against actual leave-one-out retraining on this dataset). The
 * thresholds follow the study (bench/results/STUDY.md): convex models reach
 * Pearson ≥ 0.9, deep ones often much less (Basu et al. 2021).
 */
export function assessTrust(reliability: ResultsView['reliability']): Trust {
  if (!reliability) {
    return {
      level: 'unknown',
      badge: 'trust: not checked',
      sentence: 'Influence has not been checked against retraining on this dataset. Run the reliability check to see how far to trust the numbers.',
    };
  }
  const r = reliability.pearson;
  const measured = `Removing ${reliability.points === 1 ? 'a training sample' : 'training samples'} and retraining (${reliability.points} pairs) moved the test losses as influence predicted with Pearson ${fmt(r, 2)} (Spearman ${fmt(reliability.spearman, 2)}).`;
  if (r >= 0.9) return { level: 'high', badge: `trust: high (r ${fmt(r, 2)})`, sentence: `${measured} The rankings and the sizes of the influence values can be trusted.` };
  if (r >= 0.6) {
    return { level: 'moderate', badge: `trust: moderate (r ${fmt(r, 2)})`, sentence: `${measured} Use the rankings as leads; the values themselves are rough.` };
  }
  return {
    level: 'low',
    badge: `trust: low (r ${fmt(r, 2)})`,
    sentence: `${measured} Treat the influence lists as hints only. The estimated label errors rest mostly on out-of-sample probabilities, which this check does not cover.`,
  };
}
