/**
 * Limited-memory BFGS for smooth, convex objectives in Float64. Used to fit
 * the softmax head to a tight optimum: influence functions assume the
 * gradient of the training objective vanishes at θ̂, so "close enough for
 * accuracy" is not close enough here.
 */
import { throwIfAborted } from '../cancel';

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

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function minimizeLbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const memory = options.memory ?? 12;
  const maxIterations = options.maxIterations ?? 1000;
  const x = Float64Array.from(x0);
  const grad = new Float64Array(n);
  let value = objective.evaluate(x, grad);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const direction = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gradNew = new Float64Array(n);
  const alpha = new Float64Array(memory);
  let gradNorm = Math.sqrt(dot(grad, grad));
  let iterations = 0;

  while (gradNorm > options.gradTolerance && iterations < maxIterations) {
    throwIfAborted(options.signal);
    // Two-loop recursion: direction = −H̃·∇f with H̃ the L-BFGS inverse Hessian.
    for (let i = 0; i < n; i++) direction[i] = -grad[i];
    for (let k = sHist.length - 1; k >= 0; k--) {
      alpha[k] = rhoHist[k] * dot(sHist[k], direction);
      const y = yHist[k];
      for (let i = 0; i < n; i++) direction[i] -= alpha[k] * y[i];
    }
    if (sHist.length > 0) {
      const last = sHist.length - 1;
      const gamma = dot(sHist[last], yHist[last]) / dot(yHist[last], yHist[last]);
      for (let i = 0; i < n; i++) direction[i] *= gamma;
    } else {
      // First step: a unit-length steepest-descent move, so the line search starts at a sane scale.
      const scale = 1 / Math.max(gradNorm, 1e-12);
      for (let i = 0; i < n; i++) direction[i] *= scale;
    }
    for (let k = 0; k < sHist.length; k++) {
      const beta = rhoHist[k] * dot(yHist[k], direction);
      const s = sHist[k];
      for (let i = 0; i < n; i++) direction[i] += (alpha[k] - beta) * s[i];
    }

    let slope = dot(grad, direction);
    if (!(slope < 0)) {
      // Not a descent direction (curvature information went stale): restart.
      sHist.length = 0;
      yHist.length = 0;
      rhoHist.length = 0;
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

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gradNew[i] - grad[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (sHist.length === memory) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(s);
      yHist.push(y);
      rhoHist.push(1 / sy);
    }
    x.set(xNew);
    grad.set(gradNew);
    value = newValue;
    gradNorm = Math.sqrt(dot(grad, grad));
    iterations++;
  }
  return { x, value, gradNorm, iterations, converged: gradNorm <= options.gradTolerance };
}
