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
