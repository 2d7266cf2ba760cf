/**
 * Shapes of the one-at-a-time solvers (the bench's "before" rows), and the two vector helpers only they use.
 */
import type { Rng } from '../../src/compute/random';
import type { Hvp } from '../../src/compute/solvers/types';

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

/** True when every entry is a finite number. */
export function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/** ‖b − A·x‖₂ computed with one true product. */
export function trueResidualNorm(apply: Hvp, x: Float64Array, b: Float64Array): number {
  const ax = apply(x);
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    const r = b[i] - ax[i];
    s += r * r;
  }
  return Math.sqrt(s);
}
