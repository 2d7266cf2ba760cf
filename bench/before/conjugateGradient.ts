/**
 * The one-at-a-time solver the engine ran before the batched ones (src/compute/solvers/batchSolvers.ts): kept
 * for the benchmark's "before" rows (bench/sections/solvers.ts) and as a reference in their tests.
 *
 * Conjugate gradient for (H + δI)·x = b from Hessian-vector products.
 *
 * CG is the method of choice when H + δI is symmetric positive definite: it
 * needs one HVP per step and at most P steps in exact arithmetic (far fewer
 * when the spectrum is clustered). It is NOT valid for an indefinite
 * operator — the quadratic it minimises is unbounded below — so every step
 * checks the curvature pᵀ(H+δI)p of its search direction and stops at the
 * first non-positive one, reporting it instead of returning a meaningless x.
 *
 * What the caller should do on `negativeCurvature`: raise the damping
 * (to `suggestedDamping`, built from CG's own estimate of λ_min, or from
 * estimateSpectrum in lanczosEigen.ts) and solve again. That is the honest fix:
 * the influence formula needs a positive-definite curvature model, and the
 * damping that made it one belongs in the results (`influence.damping`).
 */
import { extraDamping } from '../../src/compute/solvers/dampingPlan';
import { estimateSpectrum } from '../../src/compute/solvers/lanczosEigen';
import { tridiagonalEigen } from '../../src/compute/solvers/tridiagonalEigen';
import type { Hvp } from '../../src/compute/solvers/types';
import type { SolveReport, SolveResult } from './types';
import { axpy, dampedOperator, dot, norm } from '../../src/compute/solvers/vectors';
import { allFinite } from './types';

export interface CgOptions {
  /** δ ≥ 0 added to the Hessian: solve (H + δI)x = b. Default 0. */
  damping?: number;
  /**
   * Stop when ‖b − (H+δI)x‖/‖b‖ ≤ tolerance (a TRUE residual, rechecked after the recursive one says so). Default 1e-6.
   */
  tolerance?: number;
  /**
   * Cap on CG steps (HVPs). Default max(50, min(2·P, 1000)): CG needs ≤ P steps in exact arithmetic, a few more in
   * floating point.
   */
  maxIterations?: number;
  /** Warm start (e.g. the solution for a nearby right-hand side). Default 0. */
  x0?: Float64Array;
  /**
   * On negative curvature, spend this many extra HVPs on a Lanczos estimate
   * of the spectrum (started from the offending direction) to size
   * `suggestedDamping`. 0 = use only CG's own, often unconverged, estimate.
   * Default 20.
   */
  diagnosisSteps?: number;
  /** `suggestedDamping` aims for λ_min ≈ this × λ_max (see dampingPlan.ts). Default 1e-3. */
  minCurvatureRatio?: number;
}

export interface CgReport extends SolveReport {
  /** The δ that was used. */
  damping: number;
  /**
   * A search direction p with pᵀ(H+δI)p ≤ 0 was met: H + δI is not positive definite and x is only the last iterate
   * before it.
   */
  negativeCurvature: boolean;
  /**
   * When negativeCurvature: the Rayleigh quotient pᵀ(H+δI)p / pᵀp of that
   * direction (≤ 0). λ_min(H + δI) ≤ curvature, so δ must grow by more than −curvature.
   */
  curvature?: number;
  /**
   * When negativeCurvature: the smallest eigenvalue of the Lanczos
   * tridiagonal that CG built implicitly (free: from its α, β). It is ≤
   * `curvature` and ≥ λ_min(H + δI) — the best estimate of λ_min at hand.
   */
  lowestRitzValue?: number;
  /**
   * When negativeCurvature: the damping to retry with, such that
   * λ_min(H + δ'I) ≈ minCurvatureRatio·λ_max(H + δ'I) according to a
   * Lanczos estimate (diagnosisSteps HVPs). An estimate: if λ_min was not
   * found exactly, the retry reports negative curvature again, with a better one.
   */
  suggestedDamping?: number;
  /** The operator or the HVP produced NaN/Inf; x is the last finite iterate. */
  nonFinite: boolean;
  /**
   * Times the recursive residual was replaced by a true one (after it claimed convergence but the true residual
   * disagreed).
   */
  residualReplacements: number;
}

const MAX_PASSES = 6;

/** Solves (H + δI)·x = b by CG with negative-curvature detection. */
export function conjugateGradient(hvp: Hvp, b: Float64Array, options: CgOptions = {}): SolveResult<CgReport> {
  const n = b.length;
  const damping = options.damping ?? 0;
  const tolerance = options.tolerance ?? 1e-6;
  const maxIterations = options.maxIterations ?? Math.max(50, Math.min(2 * n, 1000));
  const counter = { calls: 0 };
  const apply = dampedOperator(hvp, damping, counter);
  const bNorm = norm(b);
  const x = options.x0 ? Float64Array.from(options.x0) : new Float64Array(n);
  const report: CgReport = {
    iterations: 0,
    residualNorm: 0,
    relativeResidual: 0,
    converged: true,
    hvpCalls: 0,
    damping,
    negativeCurvature: false,
    nonFinite: false,
    residualReplacements: 0,
  };
  if (bNorm === 0 && !options.x0) return { x, report };
  const target = tolerance * bNorm;
  let maxCurvature = 0; // largest Rayleigh quotient seen: a rough ‖H + δI‖, used to size the "hair"
  let residualNorm = Infinity;
  let residualFresh = false; // residualNorm belongs to the current x

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    // A true residual r = b − A·x at the start of each pass (free when x = 0).
    const r = Float64Array.from(b);
    if (pass > 0 || options.x0) axpy(-1, apply(x), r);
    if (pass > 0) report.residualReplacements++;
    let rr = dot(r, r);
    residualNorm = Math.sqrt(rr);
    residualFresh = true;
    if (!Number.isFinite(residualNorm)) {
      report.nonFinite = true;
      break;
    }
    if (residualNorm <= target) break;
    if (report.iterations >= maxIterations || report.negativeCurvature || report.nonFinite) break;

    const p = Float64Array.from(r);
    // CG is Lanczos in disguise: T[j][j] = 1/αⱼ + βⱼ/αⱼ₋₁, T[j][j+1] = √βⱼ₊₁/αⱼ (sign irrelevant).
    const inverseAlphas: number[] = [];
    const betas: number[] = [0];
    while (report.iterations < maxIterations) {
      const ap = apply(p);
      const pap = dot(p, ap);
      const pp = dot(p, p);
      if (!Number.isFinite(pap) || !allFinite(ap)) {
        report.nonFinite = true;
        break;
      }
      inverseAlphas.push(pap / rr);
      if (pap <= 0) {
        const curvature = pap / pp;
        const lowest = Math.min(curvature, lowestEigenvalue(inverseAlphas, betas));
        report.negativeCurvature = true;
        report.curvature = curvature;
        report.lowestRitzValue = lowest;
        report.suggestedDamping = damping + diagnose(apply, p, lowest, maxCurvature, options);
        break;
      }
      maxCurvature = Math.max(maxCurvature, pap / pp);
      const alpha = rr / pap;
      axpy(alpha, p, x);
      axpy(-alpha, ap, r);
      report.iterations++;
      const rrNew = dot(r, r);
      if (Math.sqrt(rrNew) <= target) break; // recheck with a true residual at the next pass
      const beta = rrNew / rr;
      betas.push(beta);
      for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
      rr = rrNew;
    }
    residualFresh = false;
    if (report.negativeCurvature || report.nonFinite || report.iterations >= maxIterations) break;
  }
  if (!residualFresh) {
    // The report always carries a true residual of the x we return.
    const check = Float64Array.from(b);
    axpy(-1, apply(x), check);
    residualNorm = norm(check);
  }
  report.residualNorm = residualNorm;
  report.relativeResidual = bNorm > 0 ? residualNorm / bNorm : residualNorm;
  report.converged = !report.negativeCurvature && !report.nonFinite && residualNorm <= target;
  report.hvpCalls = counter.calls;
  return { x, report };
}

/** The extra damping to suggest, from a Lanczos run started at the negative-curvature direction p. */
function diagnose(apply: Hvp, p: Float64Array, lowest: number, maxCurvature: number, options: CgOptions): number {
  const steps = Math.min(p.length, options.diagnosisSteps ?? 20);
  let spectrum = { lower: lowest, upper: maxCurvature };
  if (steps > 0) {
    const estimate = estimateSpectrum(apply, p.length, { steps, start: p });
    spectrum = { lower: Math.min(estimate.lower, lowest), upper: Math.max(estimate.upper, maxCurvature) };
  }
  return extraDamping(spectrum, options.minCurvatureRatio);
}

/** Smallest eigenvalue of CG's implicit Lanczos tridiagonal (see the loop above for the entries). */
function lowestEigenvalue(inverseAlphas: readonly number[], betas: readonly number[]): number {
  const m = inverseAlphas.length;
  const diagonal = inverseAlphas.map((ia, j) => ia + (j > 0 ? betas[j] * inverseAlphas[j - 1] : 0));
  const offDiagonal = Array.from({ length: m - 1 }, (_, j) => Math.sqrt(betas[j + 1]) * inverseAlphas[j]);
  return tridiagonalEigen(diagonal, offDiagonal, false).values[0];
}

/**
 * Several right-hand sides, one CG solve each (block CG would share Krylov
 * space across them; not worth the complexity at the sizes where CG is used
 * for influence, where each b is a test gradient solved once and cached).
 */
export function conjugateGradientMany(
  hvp: Hvp,
  bs: readonly Float64Array[],
  options: CgOptions = {},
): SolveResult<CgReport>[] {
  return bs.map((b) => conjugateGradient(hvp, b, options));
}
