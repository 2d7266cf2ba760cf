/**
 * Fits the softmax head on frozen features to a tight optimum. Influence
 * functions are a Taylor expansion around a point where ∇R(θ̂) = 0; an
 * optimiser stopped "when accuracy looks fine" leaves a residual gradient
 * that is as large as the effects being measured.
 */
import { MIXED_PRECISION } from '../linalg/fastFactor';
import { type LbfgsResult, minimizeLbfgs } from '../linalg/lbfgs';
import { minimizeNewtonCg } from '../linalg/newtonCg';
import type { HeadFitData } from './biasedFeatures';
import { createFastHeadObjective } from './fastHeadObjective';
import { type HeadShape, headParameterCount } from './softmaxHead';

/** The mean-gradient tolerance the head stage fits a head to (pipeline/headStage.ts), and a full model trained here. */
export const HEAD_MEAN_GRAD_TOLERANCE = 1e-7;

/**
 * The same where the head stage then polishes a Newton–CG-fitted head in float64 (exact influence): one float64
 * Newton step goes from there to the polish's 1e-9. On 10k MNIST (P = 7,850) the fit from zeros to 1e-6 took 166
 * Hessian-vector products, to 1e-7 326.
 */
export const POLISHED_HEAD_MEAN_GRAD_TOLERANCE = 1e-6;

/**
 * From the mixed-precision factor's size on (768 parameters) a head is fitted by Newton–CG with certified steps
 * (see FitHeadOptions), where L-BFGS took hundreds of passes.
 */
export function fitsByNewtonCg(shape: HeadShape): boolean {
  return headParameterCount(shape) >= MIXED_PRECISION.minSize;
}

/**
 * The tolerance the head stage asks of a head it will (`polished`) or will not polish — the one rule the head stage
 * and the full model's training share, so the head stage's fit starts where training stopped.
 */
export function headStageTolerance(shape: HeadShape, polished: boolean): number {
  return polished && fitsByNewtonCg(shape) ? POLISHED_HEAD_MEAN_GRAD_TOLERANCE : HEAD_MEAN_GRAD_TOLERANCE;
}

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
  /** Stop when ‖∇R‖₂ / n ≤ this. Default HEAD_MEAN_GRAD_TOLERANCE. */
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
  /**
   * Newton–CG steps with exact (float32-product) Hessian-vector products instead of L-BFGS, maxIterations then
   * counting passes (gradients and products). Where L-BFGS needs hundreds of passes to a tight tolerance, Newton
   * converges superlinearly (26 classes × 16k to 1e-6: 226 L-BFGS passes of ~21 ms against 9 gradients and 160
   * products of ~15 ms). Off by default, as it moves the returned head: the fold models' heads feed detection.
   */
  newtonCg?: boolean;
}

export function fitHead(data: HeadFitData, shape: HeadShape, l2: number, options: FitHeadOptions = {}): HeadFit {
  const p = headParameterCount(shape);
  const init = options.init ?? new Float64Array(p);
  if (init.length !== p) throw new Error(`head init has ${init.length} values, expected ${p}`);
  const tolerance = (options.meanGradTolerance ?? HEAD_MEAN_GRAD_TOLERANCE) * Math.max(data.n, 1);
  const objective = createFastHeadObjective(data, shape, l2);
  const maxIterations = options.maxIterations ?? 3000;
  let result: LbfgsResult;
  try {
    result = options.newtonCg
      ? minimizeNewtonCg(objective, init, {
          gradTolerance: tolerance,
          maxPasses: maxIterations,
          signal: options.signal,
        })
      : minimizeLbfgs(objective, init, {
          gradTolerance: tolerance,
          maxIterations,
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
