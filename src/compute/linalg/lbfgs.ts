/**
 * Limited-memory BFGS for smooth, convex objectives in Float64. Used to fit
 * the softmax head to a tight optimum: influence functions assume the
 * gradient of the training objective vanishes at θ̂, so "close enough for
 * accuracy" is not close enough here.
 */
import { throwIfAborted } from '../cancel';
import { armijoBacktracking } from './armijoBacktracking';
import { dot, LbfgsHistory } from './lbfgsHistory';

export interface Objective {
  /** Returns the objective value and writes its gradient into `grad`. */
  evaluate(x: Float64Array, grad: Float64Array): number;
}

export interface LbfgsOptions {
  /** Stop when ‖∇f‖₂ ≤ gradTolerance. */
  gradTolerance: number;
  maxIterations?: number;
  /** Number of correction pairs kept. */
  memory?: number;
  /** Checked before every objective evaluation (one pass over the data). */
  signal?: AbortSignal;
  /**
   * The objective is convex: a step is also accepted when the gradient at the new point certifies the Armijo
   * decrease (below), which stays informative where a rounded value (float32 products) no longer shows one. The
   * run then also stops when the gradient norm has not reached a new low for STALL_ITERATIONS iterations (its
   * own rounding floor). Off by default: it changes where runs stop.
   */
  convex?: boolean;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  gradNorm: number;
  iterations: number;
  converged: boolean;
}

/** Iterations without a new lowest gradient norm after which a convex run stops (see LbfgsOptions.convex). */
const STALL_ITERATIONS = 25;

export function minimizeLbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const memory = options.memory ?? 12;
  const maxIterations = options.maxIterations ?? 1000;
  const x = Float64Array.from(x0);
  const grad = new Float64Array(n);
  let value = objective.evaluate(x, grad);
  const history = new LbfgsHistory(memory);
  const direction = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gradNew = new Float64Array(n);
  let gradNorm = Math.sqrt(dot(grad, grad));
  let iterations = 0;
  let lowest = gradNorm;
  let lowestAt = 0;

  while (gradNorm > options.gradTolerance && iterations < maxIterations) {
    if (options.convex && iterations - lowestAt >= STALL_ITERATIONS) break;
    throwIfAborted(options.signal);
    history.direction(grad, gradNorm, direction);

    let slope = dot(grad, direction);
    if (!(slope < 0)) {
      // Not a descent direction (curvature information went stale): restart.
      history.reset();
      for (let i = 0; i < n; i++) direction[i] = -grad[i];
      slope = -gradNorm * gradNorm;
    }

    const newValue = armijoBacktracking(objective, x, value, direction, slope, xNew, gradNew, {
      convex: options.convex === true,
      beforeTry: (tries) => {
        if (tries > 0) throwIfAborted(options.signal);
        return true;
      },
    });
    if (newValue === undefined) break; // No decrease possible at float64 precision: we are at the optimum.

    history.update(x, xNew, grad, gradNew);
    x.set(xNew);
    grad.set(gradNew);
    value = newValue;
    gradNorm = Math.sqrt(dot(grad, grad));
    iterations++;
    if (gradNorm < lowest) {
      lowest = gradNorm;
      lowestAt = iterations;
    }
  }
  return { x, value, gradNorm, iterations, converged: gradNorm <= options.gradTolerance };
}
