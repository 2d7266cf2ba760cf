/**
 * What exact last-layer influence will cost, predicted from the shape alone
 * (issue 18 item 1): `auto` factors the head whenever the prediction fits the
 * budget, instead of below a fixed 4000 parameters. The prediction is written
 * into the results (influence.details) so a user sees why.
 *
 * Work, in floating-point operations, for P head parameters, C classes, n
 * training and m test samples:
 *   Hessian formation   (Newton steps) · n·P²·(1 + 1/C)   (C(C+1)/2 Gram products Φ̃ᵀdiag(a)Φ̃, D = P/C)
 *   factorisation       (Newton steps) · P³/3
 *   L⁻¹                 P³/3
 *   whitening           2·(n + m)·P²       (dense products with L⁻ᵀ)
 *   scores              2·n·m·P            (reported, not budgeted: any method explaining all m test samples pays it)
 * all on the matMul at a fixed reference rate (deterministic: the fit's settings,
 * and so its cache key, must not depend on how busy the machine was). The
 * float64 fallback (κ too large for mixed precision) runs the factorisation in
 * JS at float64Gflops: reported beside, not budgeted (most heads factor mixed).
 *
 * Memory: the float64 Hessian, the damped copy being factored, the factor, L⁻¹
 * (float64 while it is built) and its float32 transpose, ≈ 36 bytes per entry.
 */

/** Budget and reference rates, in one object so they can move to an option table unchanged. */
export const EXACT_COST = {
  /** Largest predicted time auto accepts for exact influence, seconds. */
  budgetSeconds: 300,
  /** Largest share of the memory limit the head's matrices may take. */
  memoryShare: 0.5,
  /** Reference float32 matMul rate (wasm SIMD on one core, PLATFORM.md: 10–25 GFLOP/s). */
  matMulGflops: 12,
  /** Float64 blocked JS kernels (blockedCholesky.ts). */
  float64Gflops: 2,
  /** Times the head's Hessian is formed and factored (polishHead: once, unless its Newton steps stall). */
  hessians: 1,
  bytesPerEntry: 36,
};

export interface ExactCostInput {
  parameters: number;
  numClasses: number;
  nTrain: number;
  nTest: number;
}

export interface ExactCostPrediction {
  /**
   * Predicted seconds of what only exact influence does (Hessian, factor, L⁻¹, whitening), mixed precision / float64
   * fallback.
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
  const inverse = (p * p * p) / 3;
  const whiten = 2 * (s.nTrain + s.nTest) * p * p;
  const scores = 2 * s.nTrain * s.nTest * p;
  const rate = EXACT_COST.matMulGflops * 1e9;
  const onMatMul = (hessian + inverse + whiten) / rate;
  return {
    seconds: onMatMul + factor / rate,
    float64Seconds: onMatMul + factor / (EXACT_COST.float64Gflops * 1e9),
    scoreSeconds: scores / rate,
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
