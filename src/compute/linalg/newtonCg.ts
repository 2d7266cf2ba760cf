/**
 * Truncated Newton (Newton–CG, Nocedal & Wright Algorithm 7.1) for smooth, strictly convex objectives whose
 * Hessian-vector product costs about one gradient (the softmax head: two products with the features, no exp).
 * Where L-BFGS crawls towards a tight gradient tolerance (26 classes × 16k: 226 passes), the Newton steps
 * converge superlinearly: 7 steps, 160 Hessian-vector products and 9 gradients there.
 */
import { throwIfAborted } from '../cancel';
import type { LbfgsResult, Objective } from './lbfgs';
import { armijoBacktracking } from './armijoBacktracking';
import { dot } from './lbfgsHistory';

export interface CurvedObjective extends Objective {
  /** Writes H·v into `out`, H the Hessian at the point of the latest `evaluate`. */
  hessianProduct(v: Float64Array, out: Float64Array): void;
}

export interface NewtonCgOptions {
  /** Stop when ‖∇f‖₂ ≤ gradTolerance. */
  gradTolerance: number;
  /** The most passes over the data (gradients and Hessian-vector products together). */
  maxPasses: number;
  /** Checked before every pass. */
  signal?: AbortSignal;
}

export interface NewtonCgResult extends LbfgsResult {
  /** Gradients and Hessian-vector products evaluated. */
  passes: number;
}

/** Conjugate-gradient iterations one Newton step may take: past them the float32 products' noise dominates. */
const MAX_CG_PER_STEP = 300;
/** Newton steps in a row without a new lowest gradient norm after which the run stops (its rounding floor). */
const STALL_STEPS = 3;

export function minimizeNewtonCg(
  objective: CurvedObjective,
  x0: Float64Array,
  options: NewtonCgOptions,
): NewtonCgResult {
  const n = x0.length;
  const { gradTolerance, maxPasses, signal } = options;
  const x = Float64Array.from(x0);
  const grad = new Float64Array(n);
  const step = new Float64Array(n);
  const residual = new Float64Array(n);
  const search = new Float64Array(n);
  const product = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gradNew = new Float64Array(n);
  let value = objective.evaluate(x, grad);
  let passes = 1;
  let gradNorm = Math.sqrt(dot(grad, grad));
  const initialNorm = gradNorm;
  let lowest = gradNorm;
  let stalls = 0;
  let iterations = 0;

  while (gradNorm > gradTolerance && passes < maxPasses && stalls < STALL_STEPS) {
    // CG on H·s = −g, stopped at ‖H·s + g‖ ≤ η‖g‖ with the superlinear forcing η = min(½, √(‖g‖/‖g₀‖)), and never
    // solved tighter than the tolerance asks: the step's gradient is about the CG residual.
    const target = Math.max(Math.min(0.5, Math.sqrt(gradNorm / initialNorm)) * gradNorm, 0.5 * gradTolerance);
    step.fill(0);
    for (let i = 0; i < n; i++) residual[i] = -grad[i];
    search.set(residual);
    let rr = gradNorm * gradNorm;
    for (let k = 0; k < MAX_CG_PER_STEP && Math.sqrt(rr) > target && passes < maxPasses; k++) {
      throwIfAborted(signal);
      objective.hessianProduct(search, product);
      passes++;
      const curvature = dot(search, product);
      // Rounding can hide the (positive) curvature along a tiny direction: keep the step CG has so far.
      if (!(curvature > 0)) break;
      const alpha = rr / curvature;
      for (let i = 0; i < n; i++) {
        step[i] += alpha * search[i];
        residual[i] -= alpha * product[i];
      }
      const rrNew = dot(residual, residual);
      const beta = rrNew / rr;
      rr = rrNew;
      for (let i = 0; i < n; i++) search[i] = residual[i] + beta * search[i];
    }
    let slope = dot(grad, step);
    if (!(slope < 0)) {
      // CG made no step (no curvature seen or no passes left): a steepest-descent move of unit length.
      for (let i = 0; i < n; i++) step[i] = -grad[i] / gradNorm;
      slope = -gradNorm;
    }

    // Armijo backtracking from the Newton step, also accepting the gradient's certificate (convex f).
    const newValue = armijoBacktracking(objective, x, value, step, slope, xNew, gradNew, {
      convex: true,
      beforeTry: () => {
        throwIfAborted(signal);
        if (passes >= maxPasses) return false;
        passes++;
        return true;
      },
    });
    // The last evaluate must be x for the next step's Hessian-vector products: stop here when it is not.
    if (newValue === undefined) break;
    x.set(xNew);
    grad.set(gradNew);
    value = newValue;
    gradNorm = Math.sqrt(dot(grad, grad));
    iterations++;
    stalls = gradNorm < lowest ? 0 : stalls + 1;
    lowest = Math.min(lowest, gradNorm);
  }
  return { x, value, gradNorm, iterations, passes, converged: gradNorm <= gradTolerance };
}
