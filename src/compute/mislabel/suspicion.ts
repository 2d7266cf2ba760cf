/**
 * The suspicion score: how likely a training label is wrong, in [0, 1],
 * higher = more suspicious. It orders samples; it is not a probability.
 *
 * The core is out of sample (k-fold cross-fitting: the model that scores a
 * sample never trained on it, so it cannot have memorised a wrong label):
 * self-confidence p(given) and the normalized margin p(given) − max p(other),
 * each turned into a percentile rank and mixed. Self-confidence is the better
 * ranking of the two for errors spread over the classes, the margin for errors
 * that go to one confusable class; the mix is chosen per dataset from how much
 * its likely errors concentrate on one class beyond the model's own doubt
 * (calibrate.ts).
 *
 * The other signals (training loss and self-influence at θ̂, and any signal
 * added later, e.g. duplicates with different labels) are computed on the
 * training set, where a model that memorises its wrong labels makes them
 * collapse. Each is weighted by how well it separates, on this dataset, the
 * "pseudo-positives" (the held-out models confidently put the sample in
 * another class, the confident-learning rule) from every other sample.
 * weight = (2·AUC − 1)², or 0 when the AUC is not above 1/2 by two standard
 * errors: a pure-noise or collapsed signal gets no weight, a signal that
 * agrees perfectly gets weight 1 like a core signal. The other samples
 * include those the held-out models are unsure about: checked only against
 * the ones they confidently agree with (easy samples any signal ranks low),
 * a training signal looked better than it finds real errors (measured:
 * bench/results/REPORT.md, section 2). And checked signals that carry the
 * same information — training loss and self-influence both measure how badly
 * the trained model fits the sample, rank correlation ~0.9 — share their
 * weight instead of counting twice: each weight is divided by the sum of the
 * signal's absolute rank correlations with every checked signal (itself
 * included, so an unrelated signal keeps its weight).
 *
 * An evidence signal (a duplicate of the sample carries another label: at
 * least one of the two labels is wrong) is weighted like the others and, on
 * top, lifts a flagged sample's score to at least the median score of the
 * pseudo-positives times its value: such a sample is as likely wrong as one
 * the held-out models confidently put in another class, however rare the
 * flag (a sparse flag cannot earn weight by agreement).
 * Deterministic: the same inputs give the same bytes, in any sample order.
 */
import { auroc, averageRanks } from '../stats/metrics';
import { calibrateCore, type CoreCalibration } from './calibrate';
import { perClassThresholds } from './confidentJoint';
import { type LabelArray, type ProbMatrix, rowsOf } from './probs';

export interface SuspicionSignal {
  /** Stable name (results file, panel). */
  name: string;
  /** One value per sample. */
  values: ArrayLike<number>;
  /** true: higher values are more suspicious (loss); false: lower values are (self-confidence). */
  higherIsSuspicious: boolean;
  /**
   * true: a non-zero value is evidence by itself that the label is wrong (values in [0, 1]); the sample's score is
   * then at least value × the pseudo-positives' median score.
   */
  evidence?: boolean;
}

export interface SignalWeight {
  name: string;
  /** Share of the score, in [0, 1]; the weights sum to 1. */
  weight: number;
  /** 'core' (out of sample, always in) or 'checked' (weighted by its agreement). */
  role: 'core' | 'checked';
  /** AUC of the signal between the out-of-sample pseudo-positives and every other sample; null for the core. */
  agreement: number | null;
  /** Evidence signals only: the score a sample with value 1 is lifted to at least (absent: none). */
  floor?: number;
}

export interface Suspicion {
  scores: Float64Array;
  signals: SignalWeight[];
  pseudoPositives: number;
  pseudoNegatives: number;
  /** How the core's mix of self-confidence and margin was chosen on this dataset. */
  calibration: CoreCalibration;
  /** One sentence for the results and the panel. */
  explanation: string;
}

/** Fewer confident samples on either side than this: the checked signals get no weight (nothing to check them on). */
export const MIN_PSEUDO = 5;

/** Percentile ranks in [0, 1] (ties share their average rank), oriented so that higher = more suspicious. */
export function suspicionRanks(signal: SuspicionSignal): Float64Array {
  const n = signal.values.length;
  const oriented = new Float64Array(n);
  for (let i = 0; i < n; i++) oriented[i] = signal.higherIsSuspicious ? signal.values[i] : -signal.values[i];
  const ranks = averageRanks(oriented);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = n > 1 ? (ranks[i] - 1) / (n - 1) : 0.5;
  return out;
}

/**
 * Out-of-sample pseudo-labels: +1 where the held-out probabilities confidently
 * name another class (its argmax reaches that class's threshold, the mean
 * p_j over samples labelled j), −1 where they confidently agree with the label
 * (argmax = given and p(given) reaches its threshold), 0 otherwise.
 */
export function pseudoLabels(probs: ProbMatrix, y: LabelArray, C: number): Int8Array {
  const n = rowsOf(probs, C, y);
  const t = perClassThresholds(probs, y, C);
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < C; j++) if (probs[i * C + j] > probs[i * C + best]) best = j;
    if (!(probs[i * C + best] >= t[best])) continue;
    out[i] = best === y[i] ? -1 : 1;
  }
  return out;
}

/** The samples a checked signal is judged on: the pseudo-positives (+1) against every other sample (−1). */
export function doubtedOrNot(pseudo: Int8Array): Int8Array {
  return Int8Array.from(pseudo, (v) => (v > 0 ? 1 : -1));
}

/**
 * Spearman's correlation of two signals from their 1-based average ranks (averageRanks). Every sum is of
 * half-integer products, exact in float64, so the result does not depend on the order of the samples; NaN when
 * either signal is constant.
 */
export function rankCorrelation(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const mean = (n + 1) / 2; // average ranks always sum to n(n + 1)/2
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  const m2 = n * mean * mean;
  return (ab - m2) / Math.sqrt((aa - m2) * (bb - m2));
}

/**
 * How many times a checked signal's information is counted: the sum of its absolute rank correlations with every
 * checked signal (`ranks`: their average ranks), itself included — 1 for a signal unrelated to the others; a
 * constant signal correlates with none.
 */
export function redundancy(ranks: Float64Array[], k: number): number {
  let sum = 0;
  for (let j = 0; j < ranks.length; j++) {
    if (j === k) sum += 1;
    else {
      const r = rankCorrelation(ranks[k], ranks[j]);
      if (Number.isFinite(r)) sum += Math.abs(r);
    }
  }
  return sum;
}

/**
 * AUC of `ranks` between pseudo-positives and pseudo-negatives, and whether it is above 1/2 by two standard errors
 * (Hanley & McNeil 1982).
 */
export function agreementWith(ranks: ArrayLike<number>, pseudo: Int8Array): { auc: number; significant: boolean } {
  const scores: number[] = [];
  const positive: boolean[] = [];
  for (let i = 0; i < pseudo.length; i++) {
    if (pseudo[i] === 0) continue;
    scores.push(ranks[i]);
    positive.push(pseudo[i] > 0);
  }
  const p = positive.filter(Boolean).length;
  const q = positive.length - p;
  if (p < MIN_PSEUDO || q < MIN_PSEUDO) return { auc: 0.5, significant: false };
  const a = auroc(scores, positive);
  const q1 = a / (2 - a);
  const q2 = (2 * a * a) / (1 + a);
  const se = Math.sqrt(Math.max(a * (1 - a) + (p - 1) * (q1 - a * a) + (q - 1) * (q2 - a * a), 0) / (p * q));
  return { auc: a, significant: a - 2 * se > 0.5 };
}

export interface SuspicionInputs {
  /** Out-of-sample probabilities, n × C (cross-fitted), and the given labels. */
  oosProbs: ProbMatrix;
  y: LabelArray;
  numClasses: number;
  /** Training-set signals, each checked against the out-of-sample pseudo-labels before it gets weight. */
  checked: SuspicionSignal[];
}

export function suspicionScores(inputs: SuspicionInputs): Suspicion {
  const { oosProbs, y, numClasses: C } = inputs;
  const n = rowsOf(oosProbs, C, y);
  const selfConfidence = new Float64Array(n);
  const margin = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let other = -Infinity;
    for (let j = 0; j < C; j++) if (j !== y[i] && oosProbs[i * C + j] > other) other = oosProbs[i * C + j];
    selfConfidence[i] = oosProbs[i * C + y[i]];
    margin[i] = selfConfidence[i] - other;
  }
  const pseudo = pseudoLabels(oosProbs, y, C);
  const calibration = calibrateCore(oosProbs, y, C);
  const share = calibration.selfConfidenceShare;
  // The core keeps the weight of two signals (as when it was their even average); the calibration splits it.
  const core: [SuspicionSignal, number][] = [
    [{ name: 'outOfSampleSelfConfidence', values: selfConfidence, higherIsSuspicious: false }, 2 * share],
    [{ name: 'outOfSampleMargin', values: margin, higherIsSuspicious: false }, 2 * (1 - share)],
  ];
  const parts: { ranks: Float64Array; raw: number; weight: SignalWeight; signal: SuspicionSignal }[] = [];
  for (const [s, raw] of core)
    parts.push({
      ranks: suspicionRanks(s),
      raw,
      weight: { name: s.name, weight: 0, role: 'core', agreement: null },
      signal: s,
    });
  const judged = doubtedOrNot(pseudo);
  const averaged = inputs.checked.map((s) => {
    if (s.values.length !== n) throw new RangeError(`signal ${s.name} has ${s.values.length} values for ${n} samples`);
    return averageRanks(s.values);
  });
  inputs.checked.forEach((s, k) => {
    const ranks = suspicionRanks(s);
    const { auc, significant } = agreementWith(ranks, judged);
    const raw = significant ? (2 * auc - 1) ** 2 / redundancy(averaged, k) : 0;
    parts.push({ ranks, raw, weight: { name: s.name, weight: 0, role: 'checked', agreement: auc }, signal: s });
  });
  const total = parts.reduce((sum, part) => sum + part.raw, 0);
  const scores = new Float64Array(n);
  for (const part of parts) {
    part.weight.weight = part.raw / total;
    if (part.raw === 0) continue;
    for (let i = 0; i < n; i++) scores[i] += part.weight.weight * part.ranks[i];
  }
  let pos = 0;
  let neg = 0;
  for (const v of pseudo) {
    if (v > 0) pos++;
    else if (v < 0) neg++;
  }
  const evidence = parts.filter((p) => p.signal.evidence);
  if (evidence.length > 0) {
    const floor = pos > 0 ? median(scores.filter((_, i) => pseudo[i] > 0)) : EVIDENCE_FLOOR_WITHOUT_PSEUDO;
    for (const part of evidence) {
      part.weight.floor = floor;
      const v = part.signal.values;
      for (let i = 0; i < n; i++) {
        const lift = Math.min(Math.max(v[i], 0), 1) * floor;
        if (lift > scores[i]) scores[i] = lift;
      }
    }
  }
  const signals = parts.map((p) => p.weight);
  return {
    scores,
    signals,
    pseudoPositives: pos,
    pseudoNegatives: neg,
    calibration,
    explanation: explain(signals, calibration),
  };
}

/** No sample is confidently another class: an evidence signal lifts to the top tenth. */
const EVIDENCE_FLOOR_WITHOUT_PSEUDO = 0.9;

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

const READABLE: Record<string, string> = {
  outOfSampleSelfConfidence: 'out-of-sample confidence in the label',
  outOfSampleMargin: 'out-of-sample margin',
  trainLoss: 'training loss',
  selfInfluence: 'self-influence',
  duplicateLabelConflict: 'a duplicate with another label',
};

function explain(signals: SignalWeight[], calibration: CoreCalibration): string {
  const pct = (w: number) => `${Math.round(w * 100)}%`;
  const used = signals.filter((s) => s.role === 'checked' && s.weight > 0);
  const dropped = signals.filter((s) => s.role === 'checked' && s.weight === 0 && s.floor === undefined);
  const evidence = signals.filter((s) => s.floor !== undefined);
  const name = (s: SignalWeight) => READABLE[s.name] ?? s.name;
  const core = signals.filter((s) => s.role === 'core' && s.weight > 0);
  let text = `Suspicion ranks samples by ${core.map((s) => `${name(s)} (${pct(s.weight)})`).join(' and ')}`;
  if (calibration.errorConcentration !== null && calibration.doubtConcentration !== null)
    text +=
      // Not "likely errors": that is the count estimate's word, and this is the confident joint's off-diagonal.
      ` — the ${calibration.likelyErrors} samples the held-out models confidently put in another class concentrate ` +
      `on one other class per label ` +
      `${calibration.errorConcentration.toFixed(2)} against the model's own doubt ` +
      `${calibration.doubtConcentration.toFixed(2)} (0 = spread evenly, 1 = all on one; the more beyond the doubt, ` +
      `the more margin)`;
  if (used.length > 0)
    text +=
      `, plus ` +
      `${used.map((s) => `${name(s)} (${pct(s.weight)})`).join(' and ')}, ` +
      `weighted by how well each picks out the samples the held-out models confidently place in another class ` +
      `(signals that measure the same thing share their weight)`;
  if (dropped.length > 0)
    text += `; ${dropped.map(name).join(' and ')} did not agree with them on this data and got no weight`;
  if (evidence.length > 0)
    text +=
      `; a sample with ${evidence.map(name).join(' or ')} ranks at least with the samples the held-out models ` +
      `confidently place in another class`;
  return `${text}.`;
}
