/**
 * The reliability check ("Influence functions in deep learning are fragile",
 * Basu et al. 2021, measured on the user's own data): remove K training
 * samples one at a time, retrain to convergence, and compare the actual
 * change of a few test samples' loss with the predicted influence.
 */
import { throwIfAborted } from '../cancel';
import { createRng, deriveSeed, permutation } from '../random';
import { pearson, spearman } from '../stats/metrics';

export interface VerifyPair {
  train: number;
  test: number;
  /** infl(i, t): predicted change of t's loss if i is removed. */
  predicted: number;
  /** Measured change after retraining without i. */
  actual: number;
}

export interface ReliabilityReport {
  pearson: number;
  spearman: number;
  points: number;
  pairs: VerifyPair[];
  testSamples: number[];
  removed: number[];
  /** What was retrained: the last layer on frozen features, or the whole network. */
  retrain: 'last-layer' | 'full';
  /** The tfjs backend the whole-network retrainings ran on (last-layer refits are plain float64 JS). */
  retrainBackend?: string;
  /** A plain-language warning when the correlation is too low to trust the numbers. */
  warning?: string;
}

export interface VerifyInput {
  /** K: training samples removed, one at a time. */
  removals: number;
  /** Test samples whose loss change is measured. */
  testCandidates: number[];
  testPoints: number;
  nTrain: number;
  seed: number;
  retrain: 'last-layer' | 'full';
  /** infl(·, t) for every training sample. */
  scoreRow(t: number): Float64Array;
  /** Loss of each given test sample after retraining without training sample i (i = −1: nothing removed). */
  testLossesWithout(i: number, tests: number[]): Float64Array;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Correlations below this are reported as untrustworthy. */
export const LOW_CORRELATION = 0.6;

/**
 * About two thirds of the K removals are the samples with the largest
 * |influence| on the chosen test points (where an error would matter), the
 * rest are random (so the check is not only about the extremes).
 */
export function chooseRemovals(rows: Float64Array[], k: number, nTrain: number, seed: number): number[] {
  const chosen = new Set<number>();
  const targeted = Math.min(Math.ceil((2 * k) / 3), nTrain);
  const orders = rows.map((row) => Array.from(row.keys()).sort((a, b) => Math.abs(row[b]) - Math.abs(row[a]) || a - b));
  for (let rank = 0; chosen.size < targeted && rank < nTrain; rank++) {
    for (const order of orders) if (chosen.size < targeted) chosen.add(order[rank]);
  }
  for (const i of permutation(nTrain, createRng(deriveSeed(seed, 'verify-random')))) {
    if (chosen.size >= Math.min(k, nTrain)) break;
    chosen.add(i);
  }
  return [...chosen];
}

/** What a reliability check measures: its test points, their score rows, and the training samples it removes. */
export interface VerificationPlan {
  tests: number[];
  rows: Float64Array[];
  removed: number[];
  retrain: 'last-layer' | 'full';
}

export function planVerification(
  input: Omit<VerifyInput, 'testLossesWithout' | 'signal' | 'onProgress'>,
): VerificationPlan {
  const order = permutation(input.testCandidates.length, createRng(deriveSeed(input.seed, 'verify-tests')));
  const tests = Array.from(
    order.subarray(0, Math.min(input.testPoints, order.length)),
    (j) => input.testCandidates[j],
  ).sort((a, b) => a - b);
  const rows = tests.map((t) => input.scoreRow(t));
  return {
    tests,
    rows,
    removed: chooseRemovals(rows, input.removals, input.nTrain, input.seed),
    retrain: input.retrain,
  };
}

/**
 * The report from measured losses: `base` with nothing removed, and
 * `without[k]` after removing plan.removed[k] (each over plan.tests).
 */
export function reportVerification(
  plan: VerificationPlan,
  base: Float64Array,
  without: Float64Array[],
): ReliabilityReport {
  const { tests, rows, removed } = plan;
  const pairs: VerifyPair[] = [];
  removed.forEach((i, k) => {
    tests.forEach((t, j) => pairs.push({ train: i, test: t, predicted: rows[j][i], actual: without[k][j] - base[j] }));
  });
  const predicted = pairs.map((p) => p.predicted);
  const actual = pairs.map((p) => p.actual);
  const r = pairs.length >= 3 ? pearson(predicted, actual) : NaN;
  const rho = pairs.length >= 3 ? spearman(predicted, actual) : NaN;
  const low = !(r >= LOW_CORRELATION) || !(rho >= LOW_CORRELATION);
  const noise = roundOffOnly(actual, base);
  return {
    pearson: r,
    spearman: rho,
    points: pairs.length,
    pairs,
    testSamples: tests,
    removed,
    retrain: plan.retrain,
    ...(noise
      ? { warning: noise }
      : low
        ? {
            warning:
              `influence agrees poorly with actual retraining here (Pearson ` +
              `${r.toFixed(2)}, Spearman ${rho.toFixed(2)} over ${pairs.length} ` +
              `pairs): ` +
              'treat the proponent/opponent rankings as rough hints, not measurements',
          }
        : {}),
  };
}

/** Loss changes below this, relative to the test losses (at least 1), are rounding, not a measurement. */
const ROUND_OFF = 1e-10;

/**
 * Why the measured changes cannot check anything, or undefined: retraining moved no test loss beyond rounding (a model
 * without a finite optimum — separable data without weight decay — or one the removals cannot move). Any correlation
 * with such changes is the correlation with noise, however high it comes out (0.8 was measured on one).
 */
function roundOffOnly(actual: number[], base: Float64Array): string | undefined {
  const largest = Math.max(0, ...actual.map(Math.abs));
  const scale = Math.max(1, ...Array.from(base, Math.abs));
  if (actual.length === 0 || largest > ROUND_OFF * scale) return undefined;
  return (
    `retraining without each removed sample changed the test losses by at most ${largest.toExponential(1)}, ` +
    'rounding and no more: the check measured nothing, and its correlations mean nothing (a model without a ' +
    'finite optimum, such as separable data without weight decay, does this)'
  );
}

/** The whole check in this thread, one retraining after another. */
export function verifyInfluence(input: VerifyInput): ReliabilityReport {
  const plan = planVerification(input);
  const base = input.testLossesWithout(-1, plan.tests);
  const without = plan.removed.map((i, step) => {
    throwIfAborted(input.signal);
    const losses = input.testLossesWithout(i, plan.tests);
    input.onProgress?.(step + 1, plan.removed.length);
    return losses;
  });
  return reportVerification(plan, base, without);
}
