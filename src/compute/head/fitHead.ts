/**
 * Fits the softmax head on frozen features to a tight optimum. Influence
 * functions are a Taylor expansion around a point where ∇R(θ̂) = 0; an
 * optimiser stopped "when accuracy looks fine" leaves a residual gradient
 * that is as large as the effects being measured.
 */
import { minimizeLbfgs } from '../linalg/lbfgs';
import { createFastHeadObjective } from './fastHeadObjective';
import { type HeadData, type HeadShape, headParameterCount } from './softmaxHead';

export interface HeadFit {
  head: Float64Array;
  /** ‖∇R(θ̂)‖₂ of the summed objective at the returned head. */
  gradNorm: number;
  /** The same, divided by n: comparable across dataset sizes. */
  meanGradNorm: number;
  iterations: number;
  converged: boolean;
  objective: number;
}

export interface FitHeadOptions {
  /** Warm start (e.g. the head trained jointly with the body); zeros otherwise. */
  init?: Float64Array;
  /** Stop when ‖∇R‖₂ / n ≤ this. Default 1e-7. */
  meanGradTolerance?: number;
  maxIterations?: number;
  /** Checked before every pass over the data. */
  signal?: AbortSignal;
  /**
   * Accept L-BFGS steps whose decrease the gradient certifies (the head objective is convex, lbfgs.ts) when the
   * float32 value can no longer show it: the fit then reaches meanGradTolerance instead of stalling where the
   * value's rounding (~1e-8 relative, a few 1e-4 of a 16k-sample sum) hides the decrease. Off by default, as it
   * moves the returned head: the fold models' heads feed detection.
   */
  certifiedSteps?: boolean;
}

export function fitHead(data: HeadData, shape: HeadShape, l2: number, options: FitHeadOptions = {}): HeadFit {
  const p = headParameterCount(shape);
  const init = options.init ?? new Float64Array(p);
  if (init.length !== p) throw new Error(`head init has ${init.length} values, expected ${p}`);
  const tolerance = (options.meanGradTolerance ?? 1e-7) * Math.max(data.n, 1);
  const objective = createFastHeadObjective(data, shape, l2);
  let result;
  try {
    result = minimizeLbfgs(objective, init, {
      gradTolerance: tolerance,
      maxIterations: options.maxIterations ?? 3000,
      signal: options.signal,
      convex: options.certifiedSteps ?? false,
    });
  } finally {
    objective.dispose();
  }
  return {
    head: result.x,
    gradNorm: result.gradNorm,
    meanGradNorm: result.gradNorm / Math.max(data.n, 1),
    iterations: result.iterations,
    converged: result.converged,
    objective: result.value,
  };
}
