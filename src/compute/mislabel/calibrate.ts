/**
 * Which out-of-sample ranking suits this dataset, found on the dataset itself.
 *
 * Self-confidence p(given) ranks random label errors best, the normalized
 * margin p(given) − max p(other) ranks errors between confusable classes best
 * (measured: bench/results/REPORT.md, section 2). Which kind of errors a
 * user's data holds is unknown, so the core mixes the two, and the mix is
 * chosen by planting label errors in a copy of the labels (never the user's
 * file) and keeping the mix that finds them best.
 *
 * Why this needs no retraining: the probabilities are cross-fitted, so the
 * model that scored sample i never saw i's label; flipping that label in the
 * copy leaves p_i as it is (the other samples' models saw it, a second-order
 * effect). The planted errors follow the data's own error structure: a sample
 * of class a gets label b with probability ∝ the confident joint's count of
 * samples labelled b that belong to a (plus one count spread evenly, so every
 * other class stays possible) — on data whose errors are between confusable
 * pairs the planted ones are too. The likely real errors (likelyErrors) are
 * neither planted nor scored: a mix must not lose for finding them.
 *
 * Deterministic for a seed and invariant to the order of the samples: which
 * samples are planted, and with which label, comes from a hash of each
 * sample's own probabilities and label, not from its position.
 */
import { auroc, averagePrecision, averageRanks } from '../stats/metrics';
import { confidentJoint } from './confidentJoint';
import { marginWeightedCount } from './count';
import { type LabelArray, type ProbMatrix, rowsOf } from './probs';

/** The candidate shares of self-confidence in the core (the rest is the margin); 0.5 was the fixed mix before. */
export const CORE_MIXES = [0, 0.25, 0.5, 0.75, 1] as const;
/** The mix when there is nothing to choose (two classes: the two signals order samples alike) or too few samples. */
export const DEFAULT_MIX = 0.5;
/** Share of the samples planted per draw, and the least number planted (fewer: no calibration). */
export const PLANTED_SHARE = 0.05;
export const MIN_PLANTED = 10;
/** Independent plantings averaged over (each a different hash), so one unlucky draw does not decide. */
export const DRAWS = 10;

export interface MixScore {
  selfConfidenceShare: number;
  /** Mean over draws of the AUROC / AUPRC of finding the planted errors. */
  auroc: number;
  auprc: number;
}

export interface CoreCalibration {
  /** Share of self-confidence in the core. */
  selfConfidenceShare: number;
  /** Errors planted per draw, and the number of draws; 0 when nothing was planted (then `candidates` is empty). */
  planted: number;
  draws: number;
  candidates: MixScore[];
}

/** 32-bit hash mixing (murmur3's finalizer). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [0, 1) from a sample's probability row, its label and a salt: equal samples, equal numbers. */
function sampleHash(bits: Uint32Array, i: number, C: number, label: number, salt: number): number {
  let h = mix32(salt ^ 0x9e3779b9);
  h = mix32(h ^ label);
  for (let k = 2 * i * C; k < 2 * (i + 1) * C; k++) h = mix32((h + bits[k]) >>> 0);
  return h / 4294967296;
}

/** Percentile ranks in [0, 1]; ties share their average rank. */
function percentiles(values: Float64Array): Float64Array {
  const ranks = averageRanks(values);
  return ranks.map((r) => (values.length > 1 ? (r - 1) / (values.length - 1) : 0.5));
}

/** Self-confidence and margin rank percentiles under labels `y` (higher = more suspicious). */
function coreRanks(probs: Float64Array, y: ArrayLike<number>, C: number, n: number): [Float64Array, Float64Array] {
  const sc = new Float64Array(n);
  const margin = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let other = -Infinity;
    for (let j = 0; j < C; j++) if (j !== y[i] && probs[i * C + j] > other) other = probs[i * C + j];
    sc[i] = -probs[i * C + y[i]];
    margin[i] = -(probs[i * C + y[i]] - other);
  }
  return [sc, margin];
}

/**
 * The samples that are likely real label errors: the top m by self-confidence and the top m by the margin, m the
 * estimated number of errors (count.ts). Left as negatives they would count against the mix that finds them (they
 * rank above the planted ones), and taking them from one signal alone would favour that signal.
 */
function likelyErrors(p: Float64Array, y: LabelArray, C: number, n: number): Uint8Array {
  const m = marginWeightedCount(p, y, C);
  const out = new Uint8Array(n);
  for (const values of coreRanks(p, y, C, n)) {
    const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
    // Ties at the cut: all samples equal to the m-th are in (order-invariant).
    const cut = m > 0 ? values[order[Math.min(m, n) - 1]] : Infinity;
    for (let i = 0; i < n; i++) if (values[i] >= cut) out[i] = 1;
  }
  return out;
}

export function calibrateCore(probs: ProbMatrix, y: LabelArray, C: number, seed: number): CoreCalibration {
  const n = rowsOf(probs, C, y);
  const planted = Math.max(MIN_PLANTED, Math.round(PLANTED_SHARE * n));
  if (C === 2 || planted > n / 4) return { selfConfidenceShare: DEFAULT_MIX, planted: 0, draws: 0, candidates: [] };
  const p = Float64Array.from(probs);
  const bits = new Uint32Array(p.buffer);
  // Where a sample of class a is sent: column a of the confident joint (rows: given label, columns: true class).
  const counts = confidentJoint(p, y, C).counts;
  const sums = new Float64Array(C);
  const targets = Array.from({ length: C }, (_, a) => {
    const w = Float64Array.from({ length: C }, (_, b) => (b === a ? 0 : counts[b][a] + 1 / (C - 1)));
    sums[a] = w.reduce((s, v) => s + v, 0);
    return w;
  });
  const totals = CORE_MIXES.map(() => ({ auroc: 0, auprc: 0 }));
  const likely = likelyErrors(p, y, C, n);
  const labels = Int32Array.from(y);
  const positive = new Uint8Array(n);
  for (let draw = 0; draw < DRAWS; draw++) {
    const key = new Float64Array(n);
    // Likely real errors are neither planted nor counted against a mix (a mix that finds them is not wrong).
    for (let i = 0; i < n; i++)
      key[i] = likely[i] ? 2 : sampleHash(bits, i, C, y[i], mix32(seed * 2654435761 + 2 * draw));
    // The `planted` samples with the smallest keys (ties: equal rows and labels, interchangeable).
    const chosen = Int32Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => key[a] - key[b])
      .subarray(0, planted);
    labels.set(Int32Array.from(y));
    positive.fill(0);
    for (const i of chosen) {
      const a = y[i];
      let u = sampleHash(bits, i, C, a, mix32(seed * 2654435761 + 2 * draw + 1)) * sums[a];
      let b = a === 0 ? 1 : 0;
      for (let j = 0; j < C; j++) {
        if (j === a) continue;
        b = j;
        u -= targets[a][j];
        if (u < 0) break;
      }
      labels[i] = b;
      positive[i] = 1;
    }
    const [sc, margin] = coreRanks(p, labels, C, n).map(percentiles);
    const keptIndex = Array.from({ length: n }, (_, i) => i).filter((i) => positive[i] || !likely[i]);
    const keptPositive = keptIndex.map((i) => positive[i] === 1);
    CORE_MIXES.forEach((w, k) => {
      const score = Float64Array.from(sc, (v, i) => w * v + (1 - w) * margin[i]);
      const kept = keptIndex.map((i) => score[i]);
      totals[k].auroc += auroc(kept, keptPositive) / DRAWS;
      totals[k].auprc += averagePrecision(kept, keptPositive) / DRAWS;
    });
  }
  const candidates = CORE_MIXES.map((w, k) => ({ selfConfidenceShare: w, ...totals[k] }));
  // The best mean of AUROC and AUPRC; a tie goes to the mix nearer the even one.
  let best = candidates[0];
  for (const c of candidates) {
    const gain = c.auroc + c.auprc - (best.auroc + best.auprc);
    if (
      gain > 1e-12 ||
      (gain > -1e-12 &&
        Math.abs(c.selfConfidenceShare - DEFAULT_MIX) < Math.abs(best.selfConfidenceShare - DEFAULT_MIX))
    )
      best = c;
  }
  return { selfConfidenceShare: best.selfConfidenceShare, planted, draws: DRAWS, candidates };
}
