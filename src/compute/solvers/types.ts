/**
 * Shared shapes of the inverse-Hessian-vector-product solvers.
 *
 * Every solver here sees the Hessian only through products H·v, so the same
 * code serves the softmax head (closed-form HVP), the full network of an
 * MLP/CNN (double backprop) or any parameter subset. Vectors are Float64Array
 * of the full parameter length P unless a function says otherwise.
 */
import type { Rng } from '../random';

/**
 * H·v for the Hessian of the SUMMED objective R(θ) = Σᵢ L(zᵢ, θ) + (λ/2)‖θ‖²
 * (DESIGN.md §2). It may be indefinite (non-convex networks, saddle points).
 * Must not modify `v`; must return a fresh array (solvers keep it).
 * Damping is NOT part of it: solvers add δ·v themselves and report δ.
 */
export type Hvp = (v: Float64Array) => Float64Array;

/**
 * A stochastic estimate of H·v from a mini-batch, rescaled so that its
 * expectation is the summed-objective H·v (i.e. multiply a batch mean by n).
 * `rng` is the solver's seeded generator: draw the batch from it so runs are
 * reproducible.
 */
export type SampledHvp = (v: Float64Array, rng: Rng) => Float64Array;

export interface SolveReport {
  /** Solver iterations (CG steps, Neumann-series terms, CGLS steps, …). */
  iterations: number;
  /**
   * ‖b − A·x‖₂ for the operator A the solver was asked to invert, computed with a true product (not the recursively
   * updated residual).
   */
  residualNorm: number;
  /** residualNorm / ‖b‖₂ (0 when b = 0). The number to compare with `tolerance`. */
  relativeResidual: number;
  /** relativeResidual ≤ tolerance (for least squares: see that solver's report). */
  converged: boolean;
  /** Calls of the Hessian-vector product, including diagnostics — the cost in "passes over the data". */
  hvpCalls: number;
}

export interface SolveResult<R extends SolveReport = SolveReport> {
  x: Float64Array;
  report: R;
}
