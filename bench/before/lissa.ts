/**
 * The one-at-a-time solver the engine ran before the batched ones (src/compute/solvers/batchSolvers.ts): kept
 * for the benchmark's "before" rows (bench/sections/solvers.ts) and as a reference in their tests.
 *
 * LiSSA (Agarwal et al. 2017, as used by Koh & Liang 2017): the inverse of
 * A = H + δI as a Neumann series,
 *
 *   h₀ = b,   hⱼ = b + (I − A/scale)·hⱼ₋₁,   x = h/scale  →  A⁻¹b,
 *
 * optionally with mini-batch HVPs (the classic stochastic LiSSA, averaged
 * over `repeats` runs and, within a run, over the second half of its
 * iterates). The series converges iff every eigenvalue of A lies
 * in (0, 2·scale): A must be positive definite and the scale large enough.
 * Koh & Liang pick scale > λ_max by hand and the run diverges silently
 * otherwise. Here nothing is hand-tuned (the "robust iHVP" of DESIGN.md §2):
 *
 * 1. Without a given scale, a 20-step Lanczos estimate of A's spectrum sets
 *    scale = 0.6·λ̂_max for exact HVPs (just above the λ_max/2 the
 *    deterministic series needs, hence about twice as fast as scale > λ_max) or
 *    1.1·λ̂_max for mini-batch HVPs (whose own λ_max scatters above the full
 *    one). A Ritz value θ_min ≤ 0 proves A indefinite: damping is raised first.
 * 2. Every step feeds the update norm to a DivergenceMonitor. On divergence
 *    (or NaN/Inf) the update vector — dominated by the eigen-direction that
 *    blows up — seeds a new Lanczos run, which says which end is at fault:
 *    θ_min ≤ 0 → raise δ so that λ_min(A) ≈ minCurvatureRatio·λ_max(A);
 *    otherwise scale = max(2·scale, margin·λ̂_max). Then restart from h₀ = b.
 * 3. The final relative residual ‖A·x − b‖/‖b‖ is computed exactly with one
 *    extra (full) HVP, whatever HVPs the recursion used.
 *
 * Raised damping changes the answer (it solves (H + δ'I)x = b): the report
 * says so, and the results file must carry the δ that was used.
 */
import { createRng, deriveSeed } from '../../src/compute/random';
import { DEFAULT_MIN_CURVATURE_RATIO, extraDamping } from '../../src/compute/solvers/dampingPlan';
import { DivergenceMonitor } from '../../src/compute/solvers/divergenceMonitor';
import { estimateSpectrum } from '../../src/compute/solvers/lanczosEigen';
import type { Hvp } from '../../src/compute/solvers/types';
import type { SampledHvp, SolveReport, SolveResult } from './types';
import { axpy, dampedOperator, norm } from '../../src/compute/solvers/vectors';
import { trueResidualNorm } from './types';

export interface LissaOptions {
  /** δ ≥ 0 to start from (may be raised, see report.damping). Default 0. */
  damping?: number;
  /**
   * Starting scale. Default: from a Lanczos estimate of λ_max (recommended).
   * A given scale is used as is and only raised on divergence: one far above
   * λ_max is never lowered, and slows convergence by that factor.
   */
  scale?: number;
  /** Maximum recursion steps per run. Exact HVPs stop earlier once the tolerance is met. Default 10000. */
  depth?: number;
  /** Independent stochastic runs averaged (ignored with exact HVPs, whose runs would be identical). Default 1. */
  repeats?: number;
  /** Target ‖A·x − b‖/‖b‖. Exact HVPs stop when it is met; stochastic runs go the full depth. Default 1e-6. */
  tolerance?: number;
  /** Mini-batch HVP for the stochastic variant; `hvp` is then used only for the spectrum and the final residual. */
  sampleHvp?: SampledHvp;
  /** Seed for the Lanczos start vectors and the mini-batch draws. Default 0. */
  seed?: number;
  /**
   * When damping must be raised, aim for λ_min(A) ≈ this × λ_max(A) (bias vs. speed: ~κ = 1/ratio steps). Default 1e-3.
   */
  minCurvatureRatio?: number;
  /** Give up (stable: false) after this many restarts. Default 30. */
  maxRestarts?: number;
  /** Lanczos steps per spectrum estimate. Default 20. */
  spectrumSteps?: number;
}

export interface LissaAdjustment {
  /** What was changed: damping raised (H + δI was not positive definite) or scale raised. */
  reason: 'negative-curvature' | 'scale-too-small';
  /** What prompted it: the up-front spectrum estimate, a growing update, or NaN/Inf in the recursion. */
  trigger: 'spectrum-estimate' | 'diverging' | 'non-finite';
  /** Total recursion steps done when it happened (0 = before the first run). */
  atIteration: number;
  /** Scale and damping after the adjustment. */
  scale: number;
  damping: number;
}

export interface LissaReport extends SolveReport {
  /** The scale the converged run used. */
  scale: number;
  /** The δ of the solved system (H + δI)x = b — larger than asked if `dampingRaised`. */
  damping: number;
  initialDamping: number;
  dampingRaised: boolean;
  /** Runs abandoned because they diverged. */
  restarts: number;
  adjustments: LissaAdjustment[];
  /** Mini-batch HVPs were used. */
  stochastic: boolean;
  /** The last run stayed finite and did not diverge (false only if maxRestarts ran out; x is then zero). */
  stable: boolean;
}

type RunOutcome =
  | { kind: 'done'; sum: Float64Array; steps: number }
  | { kind: 'diverged'; direction: Float64Array | undefined; nonFinite: boolean; steps: number };

/** Solves (H + δI)·x = b by LiSSA with divergence detection and automatic rescaling. */
export function lissa(hvp: Hvp, b: Float64Array, options: LissaOptions = {}): SolveResult<LissaReport> {
  const n = b.length;
  const stochastic = options.sampleHvp !== undefined;
  const tolerance = options.tolerance ?? 1e-6;
  const depth = options.depth ?? 10000;
  const repeats = stochastic ? Math.max(1, options.repeats ?? 1) : 1;
  const seed = options.seed ?? 0;
  const ratio = options.minCurvatureRatio ?? DEFAULT_MIN_CURVATURE_RATIO;
  const margin = stochastic ? 1.1 : 0.6;
  const spectrumSteps = Math.max(1, Math.min(n, options.spectrumSteps ?? 20));
  const counter = { calls: 0 };
  let damping = options.damping ?? 0;
  const bNorm = norm(b);
  const report: LissaReport = {
    iterations: 0,
    residualNorm: 0,
    relativeResidual: 0,
    converged: true,
    hvpCalls: 0,
    scale: options.scale ?? 1,
    damping,
    initialDamping: damping,
    dampingRaised: false,
    restarts: 0,
    adjustments: [],
    stochastic,
    stable: true,
  };
  if (bNorm === 0) return { x: new Float64Array(n), report };
  if (options.scale !== undefined && !(options.scale > 0))
    throw new Error(`LiSSA scale must be positive, got ${options.scale}`);

  let scale = options.scale ?? 0;
  /** Re-plans δ and scale from a spectrum estimate; returns what it changed. */
  const replan = (start: Float64Array | undefined): 'negative-curvature' | 'scale-too-small' | 'none' => {
    const spectrum = estimateSpectrum(hvp, n, {
      damping,
      steps: spectrumSteps,
      seed: deriveSeed(seed, 'lanczos', report.restarts),
      start,
    });
    counter.calls += spectrum.hvpCalls;
    if (spectrum.min <= 0) {
      // Shift so that the estimated λ_min lands at ratio·λ_max of the shifted operator.
      const shift = extraDamping(spectrum, ratio);
      damping += shift;
      scale = Math.max(scale, margin * (spectrum.upper + shift));
      return 'negative-curvature';
    }
    if (margin * spectrum.upper > scale) {
      scale = margin * spectrum.upper;
      return 'scale-too-small';
    }
    return 'none';
  };

  if (options.scale === undefined) {
    if (replan(undefined) === 'negative-curvature') {
      report.adjustments.push({
        reason: 'negative-curvature',
        trigger: 'spectrum-estimate',
        atIteration: 0,
        scale,
        damping,
      });
    }
  }

  const sampled = options.sampleHvp;
  for (;;) {
    const apply = dampedOperator(hvp, damping, counter);
    let outcome: RunOutcome | undefined;
    const sum = new Float64Array(n);
    for (let r = 0; r < repeats; r++) {
      let step: Hvp = apply;
      if (sampled) {
        const rng = createRng(deriveSeed(seed, 'lissa', report.restarts, r));
        step = dampedOperator((v) => sampled(v, rng), damping, counter);
      }
      outcome = runSeries(step, b, scale, depth, stochastic ? 0 : tolerance * bNorm, stochastic);
      report.iterations += outcome.steps;
      if (outcome.kind === 'diverged') break;
      axpy(1 / (scale * repeats), outcome.sum, sum);
    }
    if (outcome?.kind === 'done') {
      const residualNorm = trueResidualNorm(apply, sum, b);
      Object.assign(report, {
        residualNorm,
        relativeResidual: residualNorm / bNorm,
        converged: residualNorm <= tolerance * bNorm,
        scale,
        damping,
        dampingRaised: damping > report.initialDamping,
        hvpCalls: counter.calls,
      });
      return { x: sum, report };
    }
    if (report.restarts >= (options.maxRestarts ?? 30)) {
      Object.assign(report, {
        residualNorm: bNorm,
        relativeResidual: 1,
        converged: false,
        stable: false,
        scale,
        damping,
        dampingRaised: damping > report.initialDamping,
        hvpCalls: counter.calls,
      });
      return { x: new Float64Array(n), report };
    }
    if (outcome?.kind !== 'diverged') throw new Error('unreachable: LiSSA ran no repeat');
    report.restarts++;
    const change = replan(outcome.direction);
    // The spectrum estimate did not explain the blow-up (noisy mini-batches, or an
    // eigenvalue Lanczos missed): doubling the scale is always a step toward convergence.
    if (change === 'none') scale *= 2;
    report.adjustments.push({
      reason: change === 'none' ? 'scale-too-small' : change,
      trigger: outcome.nonFinite ? 'non-finite' : 'diverging',
      atIteration: report.iterations,
      scale,
      damping,
    });
  }
}

/**
 * One run of the recursion. Returns h (not yet divided by scale) when it
 * finished, or the last update direction when it diverged.
 * @param stopAt stop once the update norm (= the residual of the previous iterate) is ≤ this; 0 = run the full depth
 * @param stochastic mini-batch HVPs: the iterates hⱼ then scatter around
 *   s·A⁻¹b (E[hⱼ] obeys the exact recursion, the batch being independent of
 *   hⱼ₋₁), so the second half of them is averaged (Polyak–Ruppert): the
 *   noise drops by roughly √(half the depth / correlation time) at no extra HVP.
 */
function runSeries(
  apply: Hvp,
  b: Float64Array,
  scale: number,
  depth: number,
  stopAt: number,
  stochastic: boolean,
): RunOutcome {
  const n = b.length;
  const tail = stochastic ? depth - Math.floor(depth / 2) : 1;
  const h = Float64Array.from(b);
  const update = new Float64Array(n);
  const average = new Float64Array(n);
  const monitor = new DivergenceMonitor(stochastic);
  for (let j = 1; j <= depth; j++) {
    const ah = apply(h);
    // hⱼ − hⱼ₋₁ = b − A·hⱼ₋₁/scale
    let u2 = 0;
    let h2 = 0;
    for (let i = 0; i < n; i++) {
      const d = b[i] - ah[i] / scale;
      update[i] = d;
      h[i] += d;
      u2 += d * d;
      h2 += h[i] * h[i];
    }
    const verdict = monitor.push(Math.sqrt(u2), Math.sqrt(h2));
    if (verdict !== 'ok') {
      const nonFinite = verdict === 'non-finite';
      return { kind: 'diverged', direction: nonFinite ? undefined : update, nonFinite, steps: j };
    }
    if (Math.sqrt(u2) <= stopAt) return { kind: 'done', sum: h, steps: j };
    if (j > depth - tail) axpy(1 / tail, h, average);
  }
  if (monitor.grewSinceBest()) return { kind: 'diverged', direction: update, nonFinite: false, steps: depth };
  return { kind: 'done', sum: stochastic ? average : h, steps: depth };
}
