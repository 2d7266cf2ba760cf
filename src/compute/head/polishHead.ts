/**
 * Newton steps on the softmax head in Float64. The float32 L-BFGS phase
 * stalls at a gradient of ~1e-5 per sample (its rounding floor); from there
 * Newton converges quadratically, so one or two steps reach the float64
 * floor. The Cholesky factor of the Hessian is returned for reuse by exact
 * influence, which needs exactly this matrix.
 */
import { throwIfAborted } from '../cancel';
import { dampedSolve, type FactorInfo, fastDampedCholesky } from '../linalg/fastFactor';
import { type HeadData, type HeadShape, headHessian, headObjective, headProbabilities } from './softmaxHead';

export interface PolishedHead {
  head: Float64Array;
  /** Softmax probabilities of the training data at `head`. */
  probs: Float64Array;
  /** Cholesky factor of H + damping·I, H the Hessian at the last Newton point. */
  factor: Float64Array;
  damping: number;
  /** Which Cholesky routine produced `factor`, and its measured deviation (fastFactor.ts). */
  factorInfo: FactorInfo;
  gradNorm: number;
  meanGradNorm: number;
  newtonSteps: number;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

export function polishHeadNewton(
  data: HeadData,
  shape: HeadShape,
  l2: number,
  start: Float64Array,
  options: { maxSteps?: number; meanGradTolerance?: number; minDamping?: number; signal?: AbortSignal } = {},
): PolishedHead {
  const objective = headObjective(data, shape, l2);
  const p = start.length;
  const tolerance = (options.meanGradTolerance ?? 1e-9) * Math.max(data.n, 1);
  let head = Float64Array.from(start);
  const grad = new Float64Array(p);
  let value = objective.evaluate(head, grad);
  let gradNorm = norm(grad);
  let probs = headProbabilities(data, shape, head);
  const { signal } = options;
  const factorAt = (hessian: Float64Array) => ({
    hessian,
    ...fastDampedCholesky(hessian, p, options.minDamping ?? 0, signal),
  });
  let current = factorAt(headHessian(data, shape, probs, l2, signal));
  let steps = 0;
  const maxSteps = options.maxSteps ?? 3;
  while (gradNorm > tolerance && steps < maxSteps) {
    // A mixed-precision factor is refined against the Hessian here: Newton steps stay float64-exact.
    const direction = dampedSolve(current.hessian, p, current, grad);
    // Damped Newton: halve until the objective does not increase.
    let step = 1;
    let accepted = false;
    const trial = new Float64Array(p);
    const trialGrad = new Float64Array(p);
    for (let tries = 0; tries < 20; tries++) {
      throwIfAborted(signal);
      for (let q = 0; q < p; q++) trial[q] = head[q] - step * direction[q];
      const trialValue = objective.evaluate(trial, trialGrad);
      if (trialValue <= value + 1e-12 * Math.abs(value)) {
        accepted = true;
        value = trialValue;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    head = Float64Array.from(trial);
    grad.set(trialGrad);
    gradNorm = norm(grad);
    steps++;
    probs = headProbabilities(data, shape, head);
    if (gradNorm > tolerance && steps < maxSteps) {
      current = factorAt(headHessian(data, shape, probs, l2, signal));
    }
  }
  const { factor, damping, precision, deviation } = current;
  return {
    head,
    probs,
    factor,
    damping,
    factorInfo: { precision, deviation },
    gradNorm,
    meanGradNorm: gradNorm / Math.max(data.n, 1),
    newtonSteps: steps,
  };
}
