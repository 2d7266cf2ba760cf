/**
 * What exact last-layer influence will cost, predicted from the shape alone
 * (issue 18 item 1): `auto` factors the head whenever the prediction fits the
 * budget, instead of below a fixed 4000 parameters. The prediction is written
 * into the results (influence.details) so a user sees why.
 *
 * Work, in floating-point operations, for P head parameters, C classes, n
 * training and m test samples, and the rate each runs at:
 *   Hessian formation   (Newton steps) · n·P²·(1 + 1/C), C(C+1)/2 Gram products Φ̃ᵀdiag(a)Φ̃    hessianGflops
 *   factorisation       (Newton steps) · P³/3                                          factorGflops
 *   the solve's pieces  nb·P² (each thread its own, at once: linalg/triangularSolve.ts)    piecesGflops
 *   whitening           2·(n + m)·P² · WHITENING_SHARE (blocked triangular solve)       streamGflops
 *   scores              2·n·m·P                                                        streamGflops
 * (the scores are reported, not budgeted: any method explaining all m test samples pays them)
 * The rates are fixed reference figures (deterministic: the fit's settings,
 * and so its cache key, must not depend on how busy the machine was), fitted
 * to the stage times of exact MNIST logistic regression (P = 7850) on a quiet
 * 2-core machine, bench/results/REPORT.md §1 at main ad3bd06: 1k samples
 * hessian 17.5 s, influence 13.1 s; 5k samples 21.4 s and 24.8 s. The
 * difference of the two sizes gives the n-proportional rates (Hessian
 * formation ≈ 56, whitening and scores ≈ 29 GFLOP/s, both on two threads), the
 * 1k stages then the factor (with its check and the Newton steps: ≈ 10) and
 * L⁻¹ (≈ 15), which the triangular solve's pieces replaced: nb·P² flops at
 * 10.6 GFLOP/s of CPU time at P = 7850 (17 at P = 4000), against L⁻¹'s P³/3 at
 * 14 (kernels bench rows; 1.5 s instead of 11.6 s at P = 7850). The solve's
 * whitening does fewer flops than the L⁻¹ product ((1 + nb/P)/2 of the dense
 * product against 0.56) at a lower rate: the same CPU time at P = 2000 and
 * 4000, 11% more at 7850, so its term is the product's. Until then every term ran at a one-core 12 GFLOP/s and the
 * whitening was counted dense: 175 s predicted for 10k samples where the whole
 * run took 78 s. The float64 fallback (κ too large for mixed precision) runs
 * the factorisation in JS at float64Gflops: reported beside, not budgeted (most
 * heads factor mixed).
 *
 * Memory: the P² arrays at the run's peak, which is in the influence stage: the
 * factor (float64, 8 bytes per entry) and the solve's float32 pieces in both
 * threads' backends (≈ 2·(1 + nb/P) bytes each), and the products' transients.
 * (Until the solve, L⁻¹ was built beside the factor: 4 bytes of float64 and
 * 2 of float32 per entry more.)
 * (The Hessian stage holds the Hessian factored in place, 8 bytes, plus its
 * products.) Measured: exact MNIST logreg 10k (P = 7850) peaked at 1,745 MB,
 * i.e. 16 bytes per entry beside the run's other terms (memoryEstimate.ts);
 * 18 keeps a margin. It was 36 before L⁻¹ was packed and the Hessian factored
 * in place (peak 2,134 MB).
 */
import { SOLVE_BLOCK } from '../linalg/triangularSolve';

/** Budget and reference rates, in one object so they can move to an option table unchanged. */
export const EXACT_COST = {
  /** Largest predicted time auto accepts for exact influence, seconds. */
  budgetSeconds: 300,
  /** Largest share of the memory limit the head's matrices may take. */
  memoryShare: 0.5,
  /** Hessian formation: float32 Gram products on both threads. */
  hessianGflops: 50,
  /** Mixed-precision factorisation, with its check and the polish's Newton steps. */
  factorGflops: 10,
  /** The triangular solve's pieces (−D_b·L[b, 0:s] products), each thread forming its own at once. */
  piecesGflops: 10,
  /** Whitening and train × test scores: float32 products on both threads. */
  streamGflops: 29,
  /** Float64 blocked JS kernels (blockedCholesky.ts). */
  float64Gflops: 2,
  /** Times the head's Hessian is formed and factored (polishHead: once, unless its Newton steps stall). */
  hessians: 1,
  bytesPerEntry: 18,
};

/**
 * Share of the dense whitening products' time the triangular solve takes: measured equal to the L⁻¹ product's, 56% of
 * the dense flops with 8 blocks (see above).
 */
const WHITENING_SHARE = 0.56;

export interface ExactCostInput {
  parameters: number;
  numClasses: number;
  nTrain: number;
  nTest: number;
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
  const p = s.parameters;
  const c = Math.max(1, s.numClasses);
  const steps = EXACT_COST.hessians;
  const hessian = steps * s.nTrain * p * p * (1 + 1 / c);
  const factor = (steps * p * p * p) / 3;
  const pieces = SOLVE_BLOCK * p * p;
  const whiten = 2 * (s.nTrain + s.nTest) * p * p * WHITENING_SHARE;
  const scores = 2 * s.nTrain * s.nTest * p;
  const seconds = (flops: number, gflops: number) => flops / (gflops * 1e9);
  const besideFactor =
    seconds(hessian, EXACT_COST.hessianGflops) +
    seconds(pieces, EXACT_COST.piecesGflops) +
    seconds(whiten, EXACT_COST.streamGflops);
  return {
    seconds: besideFactor + seconds(factor, EXACT_COST.factorGflops),
    float64Seconds: besideFactor + seconds(factor, EXACT_COST.float64Gflops),
    scoreSeconds: seconds(scores, EXACT_COST.streamGflops),
    bytes: EXACT_COST.bytesPerEntry * p * p,
  };
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
