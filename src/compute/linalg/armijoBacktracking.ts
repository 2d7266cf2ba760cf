/**
 * The backtracking line search both head optimisers use (lbfgs.ts, newtonCg.ts): from step 1 along a descent
 * direction, halving until the Armijo decrease holds.
 */
import { dot } from './lbfgsHistory';

/** What the search evaluates (lbfgs.ts's Objective, named here by its shape: lbfgs.ts imports this file). */
interface Evaluated {
  evaluate(x: Float64Array, grad: Float64Array): number;
}

export interface BacktrackingOptions {
  /**
   * f is convex: f(x + αd) − f(x) ≤ α·∇f(x + αd)ᵀd, so ∇f(x + αd)ᵀd ≤ 1e-4·∇f(x)ᵀd also implies the Armijo
   * decrease, and is accepted where a rounded value (float32 products) no longer shows it.
   */
  convex: boolean;
  /** Called before each trial evaluation with its index; false stops the search (a pass budget). */
  beforeTry: (tries: number) => boolean;
}

/**
 * Writes the accepted point and its gradient into xNew and gradNew and returns its value, or undefined when 30
 * halvings (or beforeTry) found none; xNew/gradNew then hold the last trial.
 */
export function armijoBacktracking(
  objective: Evaluated,
  x: Float64Array,
  value: number,
  direction: Float64Array,
  slope: number,
  xNew: Float64Array,
  gradNew: Float64Array,
  options: BacktrackingOptions,
): number | undefined {
  let step = 1;
  for (let tries = 0; tries < 30 && options.beforeTry(tries); tries++) {
    for (let i = 0; i < x.length; i++) xNew[i] = x[i] + step * direction[i];
    const newValue = objective.evaluate(xNew, gradNew);
    const certified = options.convex && dot(gradNew, direction) <= 1e-4 * slope;
    if (Number.isFinite(newValue) && (newValue <= value + 1e-4 * step * slope || certified)) return newValue;
    step *= 0.5;
  }
  return undefined;
}
