/**
 * What exact last-layer influence will cost, predicted from the shape alone
 * (issue 18 item 1): `auto` factors the head whenever the prediction fits the
 * budget, instead of below a fixed 4000 parameters. The prediction is written
 * into the results (influence.details) so a user sees why.
 *
 * The head is factored in class-contrast coordinates (classContrasts.ts):
 * P′ = D·(C − 1) for D = P/C features (bias included). Work, in floating-point
 * operations, for n training and m test samples, and the rate each runs at:
 *   Hessian formation   n·D²·C·(C − 1): (C − 1)C/2 Gram products Φ̃ᵀdiag(a)Φ̃     hessianGflops
 *   factorisation       P′³/3, with its check and the polish's Newton steps        factorGflops
 *   the stage's fixed cost (threads, buffers)                                      hessianFixedSeconds
 *   the solve's pieces  nb·P′² (each thread its own: linalg/triangularSolve.ts)     piecesGflops
 *   whitening           (n + m)·P′² (blocked triangular solve, both threads)        whitenGflops
 *   scores              2·n·m·P′                                                    scoreGflops
 * (the scores are reported, not budgeted: any method explaining all m test samples pays them)
 * The rates are fixed reference figures (deterministic: the fit's settings,
 * and so its cache key, must not depend on how busy the machine was), fitted by
 * least squares on relative error to the hessian and influence stage times of
 * eight exact runs on a quiet 2-core machine at main 6ed4559 — MNIST logreg at
 * 1k, 5k and 10k samples (P′ = 7065), synthetic blobs of 300 and 500 features
 * (P′ = 2709, 4509; 2.5k and 10k rows), 100 features × 40 classes (P′ = 3939),
 * and the head P = 5000 MLP target (P′ = 4500). Every stage time is predicted
 * within 7% (hessian) and 11% (influence); test/unit/head/exactCost.test.ts
 * holds the measurements. Before, the prediction counted P = D·C and rates
 * fitted before the contrast coordinates and the triangular solve: 2.2× the
 * measured time on MNIST logreg, so auto sent heads it could factor in
 * seconds to CG. The float64 fallback (κ too large for mixed precision) runs
 * the factorisation in JS at float64Gflops: reported beside, not budgeted
 * (most heads factor mixed).
 *
 * Memory: the P′² arrays at the run's peak, in the influence stage: the factor
 * (float64, 8 bytes per entry) and the solve's float32 pieces in both threads'
 * backends, with the products' transients. Measured on the same eight runs (at
 * main 9cfc7a4), the peak RSS beyond the run's other terms (memoryEstimate.ts,
 * its GC factor applied) is 11–16 bytes per P′² entry; with 13 the whole-run
 * estimate is within −13% / +9% of those peaks (test/unit/pipeline/
 * memoryEstimate.test.ts).
 */
import { SOLVE_BLOCK } from '../linalg/triangularSolve';
import { contrastParameterCount } from './classContrasts';
import { headContrastHessianMacs } from './softmaxHead';

/** Budget and reference rates, in one object so they can move to an option table unchanged. */
export const EXACT_COST = {
  /** Largest predicted time auto accepts for exact influence, seconds. */
  budgetSeconds: 300,
  /** Largest share of the memory limit the head's matrices may take. */
  memoryShare: 0.5,
  /** Hessian formation: float32 Gram products on both threads, summed in float64. */
  hessianGflops: 61,
  /** Mixed-precision factorisation, with its check and the polish's Newton steps. */
  factorGflops: 27,
  /** What the hessian stage costs beside its flops. */
  hessianFixedSeconds: 0.9,
  /** The triangular solve's pieces (−D_b·L[b, 0:s] products), each thread forming its own at once. */
  piecesGflops: 10,
  /** Whitening: the blocked triangular solve on both threads. */
  whitenGflops: 55,
  /** The train × test score products on both threads. */
  scoreGflops: 60,
  /** Float64 blocked JS kernels (blockedCholesky.ts). */
  float64Gflops: 2,
  /** Bytes per entry of the P′ × P′ factor at the run's peak (see above). */
  bytesPerEntry: 13,
};

export interface ExactCostInput {
  /** The head's parameters, P = D·C (what auto's limit counts). */
  parameters: number;
  numClasses: number;
  nTrain: number;
  nTest: number;
  /**
   * Features the factor covers, when it leaves out those no training row uses (featureSubset.ts): the prediction is
   * then of what is actually formed and factored, D′ = usedFeatures + 1 wide. Absent: every feature (before the fit).
   */
  usedFeatures?: number;
}

export interface ExactCostPrediction {
  /**
   * Predicted seconds of what only exact influence does (Hessian, factor, the solve's pieces, whitening), mixed /
   * float64 fallback.
   */
  seconds: number;
  float64Seconds: number;
  /**
   * Predicted seconds of the train × test score products: every method that explains all m test samples pays them, so
   * they are not budgeted.
   */
  scoreSeconds: number;
  bytes: number;
}

export function predictExactCost(s: ExactCostInput): ExactCostPrediction {
  const c = Math.max(1, s.numClasses);
  const featureDim = s.usedFeatures ?? s.parameters / c - 1;
  const p = contrastParameterCount({ featureDim, numClasses: c });
  const formation = 2 * headContrastHessianMacs(s.nTrain, { featureDim, numClasses: c });
  const factor = (p * p * p) / 3;
  const pieces = SOLVE_BLOCK * p * p;
  const whiten = (s.nTrain + s.nTest) * p * p;
  const scores = 2 * s.nTrain * s.nTest * p;
  const seconds = (flops: number, gflops: number) => flops / (gflops * 1e9);
  const besideFactor =
    EXACT_COST.hessianFixedSeconds +
    seconds(formation, EXACT_COST.hessianGflops) +
    seconds(pieces, EXACT_COST.piecesGflops) +
    seconds(whiten, EXACT_COST.whitenGflops);
  return {
    seconds: besideFactor + seconds(factor, EXACT_COST.factorGflops),
    float64Seconds: besideFactor + seconds(factor, EXACT_COST.float64Gflops),
    scoreSeconds: seconds(scores, EXACT_COST.scoreGflops),
    bytes: EXACT_COST.bytesPerEntry * p * p,
  };
}

/** P′ = D·(C − 1) of a head of P = D·C parameters: the size of the matrix exact influence factors. */
export function factoredParameters(s: Pick<ExactCostInput, 'parameters' | 'numClasses'>): number {
  return contrastParameterCount({ featureDim: s.parameters / s.numClasses - 1, numClasses: s.numClasses });
}

/** True when exact influence fits the time budget (mixed-precision prediction) and the memory share. */
export function exactAffordable(s: ExactCostInput, memoryLimitBytes: number): boolean {
  const cost = predictExactCost(s);
  return cost.seconds <= EXACT_COST.budgetSeconds && cost.bytes <= EXACT_COST.memoryShare * memoryLimitBytes;
}

/**
 * The largest head (parameters, a multiple of C) that `auto` factors for this
 * data, by bisection over the feature width (the cost grows with P).
 */
export function affordableExactParameters(s: Omit<ExactCostInput, 'parameters'>, memoryLimitBytes: number): number {
  const c = Math.max(1, s.numClasses);
  const fits = (d: number) => exactAffordable({ ...s, parameters: d * c }, memoryLimitBytes);
  if (!fits(1)) return 0;
  let lo = 1;
  let hi = 1;
  while (fits(hi * 2) && hi < 1 << 20) hi *= 2;
  hi *= 2;
  while (lo < hi - 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo * c;
}

export function describeExactCost(cost: ExactCostPrediction): string {
  const mb = Math.round(cost.bytes / 2 ** 20);
  return (
    `predicted ${formatSeconds(cost.seconds)} ` +
    `(${formatSeconds(cost.float64Seconds)} if the Hessian needs float64) ` +
    `and ${mb} MB, ` +
    `plus ${formatSeconds(cost.scoreSeconds)} of train × test scores`
  );
}

function formatSeconds(s: number): string {
  return s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}
