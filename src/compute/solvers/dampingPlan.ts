/**
 * How much damping makes H + δI usable when it is not positive definite.
 *
 * Just enough to make λ_min(H + δI) positive leaves a nearly singular
 * system: every iterative solver then crawls, and the answer is dominated
 * by one direction of almost-zero curvature. So we aim for
 * λ_min(H + δ'I) ≈ ratio·λ_max(H + δ'I): the condition number is capped at
 * ~1/ratio (the speed of the solve), and the bias added to well-curved
 * directions stays ≈ ratio relative. Default ratio 1e-3.
 */
import type { SpectrumEstimate } from './lanczosEigen';

export const DEFAULT_MIN_CURVATURE_RATIO = 1e-3;

/**
 * The extra damping Δ (> 0) to add to the δ a spectrum was estimated with,
 * so that lower + Δ = ratio·(upper + Δ). Uses the pessimistic ends of the
 * estimate (θ_min − residual, θ_max + residual).
 */
export function extraDamping(
  spectrum: Pick<SpectrumEstimate, 'lower' | 'upper'>,
  ratio = DEFAULT_MIN_CURVATURE_RATIO,
): number {
  const shift = (ratio * spectrum.upper - spectrum.lower) / (1 - ratio);
  // Never a zero step: a retry with the same δ would fail the same way.
  return Math.max(shift, 1e-12 * Math.max(Math.abs(spectrum.upper), Math.abs(spectrum.lower), 1e-300));
}
