/**
 * L-BFGS with a weak Wolfe line search (bisection/doubling, as Lewis &
 * Overton recommend for BFGS on nonsmooth functions: "Nonsmooth
 * optimization via quasi-Newton methods", Math. Programming 2013).
 *
 * Why not the engine's minimizeLbfgs (Armijo backtracking only)? A ReLU
 * network's objective has kinks. With backtracking alone, the search gives
 * up as soon as a kink sits closer than any step it tries, and reports
 * convergence at a point that is not a minimum: the study measured the
 * objective dropping further after such a "converged" point was disturbed.
 * The weak Wolfe condition (the slope must rise to c2·slope) lets the
 * search step *across* kinks, and guarantees sᵀy > 0 for every update.
 */
import type { Objective } from './lbfgs';
import { dot, LbfgsHistory } from './lbfgsHistory';

export interface WolfeOptions {
  gradTolerance: number;
  maxIterations: number;
  memory?: number;
  /** Stop when the objective improved by less than this (relative) over `stallWindow` iterations. */
  relativeStall?: number;
  stallWindow?: number;
}

export interface WolfeResult {
  x: Float64Array;
  value: number;
  gradNorm: number;
  iterations: number;
  evaluations: number;
  /** Why it stopped. */
  stop: 'gradient' | 'iterations' | 'line-search' | 'stalled';
}

export function minimizeLbfgsWolfe(objective: Objective, x0: Float64Array, o: WolfeOptions): WolfeResult {
  const n = x0.length;
  const memory = o.memory ?? 20;
  const c1 = 1e-4;
  const c2 = 0.9;
  const x = Float64Array.from(x0);
  const grad = new Float64Array(n);
  let value = objective.evaluate(x, grad);
  let evaluations = 1;
  const curvature = new LbfgsHistory(memory);
  const d = new Float64Array(n);
  const xt = new Float64Array(n);
  const gt = new Float64Array(n);
  const history: number[] = [value];
  const stallWindow = o.stallWindow ?? 50;
  let iterations = 0;
  let stop: WolfeResult['stop'] = 'iterations';
  for (;;) {
    const gradNorm = Math.sqrt(dot(grad, grad));
    if (gradNorm <= o.gradTolerance) {
      stop = 'gradient';
      break;
    }
    if (iterations >= o.maxIterations) break;
    curvature.direction(grad, gradNorm, d);
    let slope = dot(grad, d);
    if (!(slope < 0)) {
      curvature.reset();
      for (let i = 0; i < n; i++) d[i] = -grad[i] / Math.max(gradNorm, 1e-12);
      slope = -gradNorm;
    }
    // Weak Wolfe by bisection / doubling.
    let lo = 0;
    let hi = Infinity;
    let t = 1;
    let accepted = false;
    let vt = NaN;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < n; i++) xt[i] = x[i] + t * d[i];
      vt = objective.evaluate(xt, gt);
      evaluations++;
      if (!Number.isFinite(vt) || vt > value + c1 * t * slope) hi = t;
      else if (dot(gt, d) < c2 * slope) lo = t;
      else {
        accepted = true;
        break;
      }
      t = hi < Infinity ? (lo + hi) / 2 : 2 * lo;
      if (hi < Infinity && hi - lo < 1e-14 * Math.max(1, hi)) break;
    }
    if (!accepted) {
      // No Wolfe point: take the best Armijo point found (lo), if any, else stop.
      if (lo > 0) {
        for (let i = 0; i < n; i++) xt[i] = x[i] + lo * d[i];
        vt = objective.evaluate(xt, gt);
        evaluations++;
      }
      if (!(lo > 0) || !(vt < value)) {
        stop = 'line-search';
        break;
      }
    }
    curvature.update(x, xt, grad, gt);
    x.set(xt);
    grad.set(gt);
    value = vt;
    iterations++;
    history.push(value);
    if (o.relativeStall !== undefined && history.length > stallWindow) {
      const before = history[history.length - 1 - stallWindow];
      if (before - value <= o.relativeStall * Math.abs(value)) {
        stop = 'stalled';
        break;
      }
    }
  }
  return { x, value, gradNorm: Math.sqrt(dot(grad, grad)), iterations, evaluations, stop };
}
