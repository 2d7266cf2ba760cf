/**
 * How many labels are wrong: a number and a likely range.
 *
 * The estimators all read the out-of-sample probabilities. Which one the
 * engine uses was chosen by measurement (bench/results/REPORT.md, section 2:
 * the mean |relative error| of each over the public datasets, both noise
 * kinds and 5–30% noise); the others stay here so the benchmark keeps
 * measuring them side by side.
 *
 * The range is a bootstrap: the estimator recomputed on resamples of the
 * samples (with replacement, a fixed seed, so the same data gives the same
 * range), its 10th and 90th percentiles scaled to n. It says how much the
 * count moves with the particular samples drawn; it does not cover the
 * estimator's own bias, which the benchmark reports.
 */
import { createRng, deriveSeed } from '../random';
import { numLabelIssues, offDiagonalIssues } from './cleanlab';
import { confidentJoint, offDiagonalCount } from './confidentJoint';
import { type LabelArray, type ProbMatrix, rowsOf } from './probs';

export const COUNT_ESTIMATORS = [
  'marginWeighted',
  'calibratedJoint',
  'cleanlabOffDiagonal',
  'cleanlabCalibrated',
] as const;
export type CountEstimator = (typeof COUNT_ESTIMATORS)[number];

/**
 * The estimator the engine reports. Measured (bench, 35 noisy copies of 5 public
 * sets at 5/10/20/30% uniform and confusable-pair noise, before this choice):
 * mean |relative error| 0.32 for marginWeighted against 0.74 for cleanlab's
 * default 'off_diagonal' and 1.14 for the calibrated joints, which overcount
 * most where the model is weak (its own mistakes look like label errors).
 */
export const DEFAULT_COUNT_ESTIMATOR: CountEstimator = 'marginWeighted';

/**
 * The samples the confident joint puts off its diagonal (cleanlab's
 * 'off_diagonal' set), each counted by how much more the held-out model
 * believes the class it is confident in than the given label: p(argmax) −
 * p(given), in (0, 1]. A sure disagreement counts as one error, a near tie
 * as almost none — on a hard task many confident-joint "errors" are the
 * model's own near-ties, which a plain count takes for wrong labels.
 */
export function marginWeightedCount(probs: ProbMatrix, y: LabelArray, C: number): number {
  let total = 0;
  for (const i of offDiagonalIssues(probs, y, C)) {
    let best = 0;
    for (let j = 1; j < C; j++) if (probs[i * C + j] > probs[i * C + best]) best = j;
    total += probs[i * C + best] - probs[i * C + y[i]];
  }
  return Math.round(total);
}

export interface CountEstimate {
  count: number;
  /** 10th–90th percentile of the bootstrap, whole samples; low ≤ count ≤ high. */
  low: number;
  high: number;
  estimator: CountEstimator;
}

export function countBy(estimator: CountEstimator, probs: ProbMatrix, y: LabelArray, C: number): number {
  switch (estimator) {
    case 'marginWeighted':
      return marginWeightedCount(probs, y, C);
    case 'calibratedJoint':
      return offDiagonalCount(confidentJoint(probs, y, C).calibrated);
    case 'cleanlabOffDiagonal':
      return numLabelIssues(probs, y, C, 'off_diagonal');
    case 'cleanlabCalibrated':
      return numLabelIssues(probs, y, C, 'off_diagonal_calibrated');
  }
}

const BOOTSTRAP = 40;

export function estimateLabelIssues(
  probs: ProbMatrix,
  y: LabelArray,
  C: number,
  estimator: CountEstimator = DEFAULT_COUNT_ESTIMATOR,
  seed = 0,
): CountEstimate {
  const n = rowsOf(probs, C, y);
  const count = countBy(estimator, probs, y, C);
  if (n < 2) return { count, low: count, high: count, estimator };
  const rng = createRng(deriveSeed(seed, 'count-bootstrap'));
  const draws: number[] = [];
  const p = new Float64Array(n * C);
  const labels = new Int32Array(n);
  for (let b = 0; b < BOOTSTRAP; b++) {
    for (let k = 0; k < n; k++) {
      const i = Math.floor(rng() * n);
      labels[k] = y[i];
      for (let j = 0; j < C; j++) p[k * C + j] = probs[i * C + j];
    }
    draws.push(countBy(estimator, p, labels, C));
  }
  draws.sort((a, b) => a - b);
  const at = (q: number) => draws[Math.min(draws.length - 1, Math.max(0, Math.round(q * (draws.length - 1))))];
  return { count, low: Math.min(count, at(0.1)), high: Math.max(count, at(0.9)), estimator };
}
