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

/** "top 3%", "top 0.3%": a 1-based rank among n as the share of samples at or above it. */
export function topShare(rank: number, n: number): string {
  if (!(n > 0)) return '–';
  const p = (100 * rank) / n;
  const text = p < 10 ? (Math.ceil(p * 10) / 10).toFixed(1).replace(/\.0$/, '') : String(Math.ceil(p));
  return `top ${text}%`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * How far to trust the influence numbers, from the reliability check
 * (influence against actual leave-one-out retraining on this dataset). The
 * thresholds follow the study (bench/results/STUDY.md): convex models reach
 * Pearson ≥ 0.9, deep ones often much less (Basu et al. 2021).
 *
 * The badge says what was checked, not only how well: which parameters were
 * retrained (the last layer on frozen features, or the whole network), how
 * many removals and how many test samples. A last-layer check of a model
 * with hidden layers says the last-layer computation is right; it says
 * nothing about how the whole network would respond, so it never claims so.
 */
export function assessTrust(reliability: ResultsView['reliability'], hiddenLayers = false): Trust {
  if (!reliability) {
    return {
      level: 'unknown',
      badge: 'trust: not checked',
      sentence:
        'Influence has not been checked against retraining on this dataset. Run ' +
        'the reliability check to see how far to trust the numbers.',
    };
  }
  const r = reliability.pearson;
  const lastLayer = reliability.retrain !== 'full';
  const removals = reliability.removals;
  const tests = reliability.testCount ?? reliability.tests?.length;
  const scope = [lastLayer ? 'last layer refit' : 'whole network retrained'];
  if (removals !== undefined && tests !== undefined)
    scope.push(`${plural(removals, 'removal')} × ${plural(tests, 'test sample')}`);
  else scope.push(plural(reliability.points, 'pair'));
  const named = reliability.tests?.length
    ? ` (${reliability.tests.slice(0, 5).join(', ')}${(tests ?? 0) > 5 ? ', …' : ''})`
    : '';
  const what = lastLayer
    ? `refitting only the last layer on frozen features${hiddenLayers ? ' (the hidden layers kept their weights)' : ''}`
    : 'retraining the whole network';
  const measured =
    `Checked by removing ` +
    `${removals !== undefined ? plural(removals, 'training sample') : 'training samples'} ` +
    `one at a time and ${what}, ` +
    (`then measuring the loss of ` +
      `${tests !== undefined ? plural(tests, 'test sample') : 'the chosen test samples'}${named}: `) +
    (`influence predicted the changes with Pearson ${fmt(r, 2)} (Spearman ` +
      `${fmt(reliability.spearman, 2)}) over ` +
      `${plural(reliability.points, 'pair')}.`);
  const partial = lastLayer && hiddenLayers;
  const badge = (level: string) =>
    `trust: ${level}${partial ? ' for the last layer' : ''} (r ${fmt(r, 2)}; ${scope.join(', ')})`;
  const uncovered = partial
    ? ' This covers the last layer only: how removing a sample would change the whole network was not measured.'
    : '';
  if (r >= 0.9) {
    return {
      level: 'high',
      badge: badge('high'),
      sentence:
        `${measured} ` +
        `${partial ? 'The last-layer rankings and sizes agree with retraining that layer.' : 'The rankings and the sizes of the influence values agree with retraining.'}${uncovered}`,
    };
  }
  if (r >= 0.6) {
    return {
      level: 'moderate',
      badge: badge('moderate'),
      sentence: `${measured} Use the rankings as leads; the values themselves are rough.${uncovered}`,
    };
  }
  return {
    level: 'low',
    badge: badge('low'),
    sentence:
      `${measured} Treat the influence lists as hints only. The estimated ` +
      `label errors rest mostly on out-of-sample probabilities, which this ` +
      `check does not cover.${uncovered}`,
  };
}
