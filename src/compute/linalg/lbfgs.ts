/**
 * Limited-memory BFGS for smooth, convex objectives in Float64. Used to fit
 * the softmax head to a tight optimum: influence functions assume the
 * gradient of the training objective vanishes at θ̂, so "close enough for
 * accuracy" is not close enough here.
 */
import { throwIfAborted } from '../cancel';
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
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  gradNorm: number;
  iterations: number;
  converged: boolean;
}

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

  while (gradNorm > options.gradTolerance && iterations < maxIterations) {
    throwIfAborted(options.signal);
    history.direction(grad, gradNorm, direction);

    let slope = dot(grad, direction);
    if (!(slope < 0)) {
      // Not a descent direction (curvature information went stale): restart.
      history.reset();
      for (let i = 0; i < n; i++) direction[i] = -grad[i];
      slope = -gradNorm * gradNorm;
    }

    // Backtracking line search with the Armijo condition.
    let step = 1;
    let newValue = Infinity;
    let accepted = false;
    for (let tries = 0; tries < 30; tries++) {
      if (tries > 0) throwIfAborted(options.signal);
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * direction[i];
      newValue = objective.evaluate(xNew, gradNew);
      if (Number.isFinite(newValue) && newValue <= value + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break; // No decrease possible at float64 precision: we are at the optimum.

    history.update(x, xNew, grad, gradNew);
    x.set(xNew);
    grad.set(gradNew);
    value = newValue;
    gradNorm = Math.sqrt(dot(grad, grad));
    iterations++;
  }
  return { x, value, gradNorm, iterations, converged: gradNorm <= options.gradTolerance };
}
