/**
 * Eigenpairs of the Hessian from HVPs alone, by Lanczos (lanczosProcess.ts):
 *
 * - `lanczosEigen`: the top-k eigenpairs (k ≤ ~100), for the low-rank
 *   influence of lowRank.ts when P is too large to factor H.
 * - `estimateSpectrum`: a cheap estimate of the two ends of the spectrum,
 *   which tells LiSSA the scale it needs (λ_max) and whether H + δI is
 *   positive definite at all (λ_min > 0), and tells CG users what damping
 *   removes negative curvature.
 */
import { LanczosProcess } from './lanczosProcess';
import type { Hvp } from './types';
import { dampedOperator } from './vectors';

export interface LanczosEigenOptions {
  /** Seed of the random start vector (results are deterministic given it). Default 0. */
  seed?: number;
  /**
   * Which k: 'magnitude' = largest |λ| (what matters for a low-rank model of
   * an indefinite Hessian, as in Schioppa et al. 2022), 'largest' = largest
   * algebraic λ. Default 'magnitude'.
   */
  which?: 'magnitude' | 'largest';
  /**
   * A pair is converged when its residual ‖Hy − θy‖ ≤ tolerance·max|θ|. Default 1e-8 (eigenvalue error ≈ residual²/gap,
   * far smaller).
   */
  tolerance?: number;
  /** Cap on Lanczos steps = HVPs = basis vectors held in memory (m·P doubles). Default min(P, max(4k, k + 60)). */
  maxSteps?: number;
}

export interface EigenPairs {
  /** The k eigenvalues, ordered by `which` (descending |λ| or descending λ). */
  values: Float64Array;
  /** Unit eigenvectors (length P), vectors[j] belongs to values[j]. */
  vectors: Float64Array[];
  /** Residual ‖H·vⱼ − λⱼ·vⱼ‖ per pair. */
  residuals: Float64Array;
  /** Every requested pair met the tolerance. */
  converged: boolean;
  /** Lanczos steps taken (= HVPs). */
  steps: number;
}

/** Indices of the k wanted Ritz values, in output order. */
function pick(values: Float64Array, k: number, which: 'magnitude' | 'largest'): number[] {
  const idx = Array.from(values, (_, i) => i);
  if (which === 'largest') idx.sort((a, b) => values[b] - values[a]);
  else idx.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]));
  return idx.slice(0, k);
}

/** Top-k eigenpairs of the P×P symmetric operator `hvp`. */
export function lanczosEigen(hvp: Hvp, size: number, k: number, options: LanczosEigenOptions = {}): EigenPairs {
  if (!(k >= 1 && k <= size)) throw new Error(`lanczosEigen: k must be in [1, ${size}], got ${k}`);
  const which = options.which ?? 'magnitude';
  const tolerance = options.tolerance ?? 1e-8;
  const maxSteps = Math.min(size, options.maxSteps ?? Math.max(4 * k, k + 60));
  const process = new LanczosProcess(dampedOperator(hvp, 0, { calls: 0 }), size, options.seed ?? 0);
  // Start with enough steps to hold k pairs plus a margin, then check every few steps.
  process.extend(Math.min(maxSteps, k + 10));
  const checkEvery = Math.max(5, Math.ceil(k / 4));
  for (;;) {
    const ritz = process.ritz();
    const chosen = pick(ritz.values, k, which);
    const top = Math.max(...Array.from(ritz.values, Math.abs), 1e-300);
    const done = chosen.length === k && chosen.every((j) => ritz.residuals[j] <= tolerance * top);
    if (done || process.exhausted || process.steps >= maxSteps) {
      return {
        values: Float64Array.from(chosen, (j) => ritz.values[j]),
        vectors: chosen.map((j) => process.ritzVector(ritz.small, j)),
        residuals: Float64Array.from(chosen, (j) => ritz.residuals[j]),
        converged: done,
        steps: process.steps,
      };
    }
    process.extend(Math.min(checkEvery, maxSteps - process.steps));
  }
}

export interface SpectrumEstimate {
  /**
   * Smallest Ritz value θ_min of H + δI. An upper bound on λ_min: if it is ≤ 0, H + δI is certainly not positive
   * definite.
   */
  min: number;
  /** Largest Ritz value θ_max. A lower bound on λ_max. */
  max: number;
  /** θ_min − its residual: the estimate of λ_min to plan damping with. */
  lower: number;
  /** θ_max + its residual: the estimate of λ_max to plan a LiSSA scale with. */
  upper: number;
  /** HVPs spent. */
  hvpCalls: number;
}

export interface SpectrumOptions {
  /** δ: estimate the spectrum of H + δI. Default 0. */
  damping?: number;
  /** Lanczos steps (= HVPs). Default 20. */
  steps?: number;
  /** Seed of the random start vector. Default 0. */
  seed?: number;
  /** Start vector instead of a random one (e.g. a direction along which an iteration blew up). */
  start?: Float64Array;
}

/**
 * Extreme eigenvalues of H + δI from `steps` Lanczos steps (default 20).
 * The extremes converge first, so 20–30 steps usually give λ_max to a few
 * digits; λ_min converges more slowly when it sits close to the rest of the
 * spectrum relative to the spread, which is why `lower` includes the residual.
 */
export function estimateSpectrum(hvp: Hvp, size: number, options: SpectrumOptions = {}): SpectrumEstimate {
  const counter = { calls: 0 };
  const apply = dampedOperator(hvp, options.damping ?? 0, counter);
  const process = new LanczosProcess(apply, size, options.seed ?? 0, options.start);
  process.extend(Math.min(size, options.steps ?? 20));
  const { values, residuals } = process.ritz();
  const last = values.length - 1;
  return {
    min: values[0],
    max: values[last],
    lower: values[0] - residuals[0],
    upper: values[last] + residuals[last],
    hvpCalls: counter.calls,
  };
}
