/**
 * Newton steps on the softmax head in Float64. The float32 L-BFGS phase
 * stalls at a gradient of ~1e-5 per sample (its rounding floor); from there
 * a few Newton steps reach the float64 floor. The Cholesky factor of the
 * Hessian is returned for reuse by exact influence, which needs the Hessian
 * at the returned head.
 *
 * Forming the Hessian costs n·D²·C² (26 classes × 16k samples: ~9 s), far
 * more than a step, so it is formed once, where L-BFGS stopped: the steps
 * reuse its factor (each shrinks the gradient by about the factor's deviation
 * from the Hessian there; a step that shrinks it less than 10× forms the
 * Hessian anew), and the factor is then checked against the Hessian at the
 * returned head through exact float64 Hessian-vector products: its measured
 * deviation η = ‖L⁻¹ĤL⁻ᵀ − I‖₂ is the bound every influence value carries
 * (fastFactor.ts), and above its tolerance (NEARBY_HESSIAN_TOLERANCE where the
 * Hessian is expensive, else MIXED_PRECISION.tolerance) the Hessian is formed
 * and factored at the returned head instead.
 *
 * On two threads the float64 checks leave the critical path: a mixed factor's own check runs on the helper while
 * this thread takes the Newton step with it (taken again in the rare case the check fails), and the last check's
 * Hessian-vector products are split over the training rows between the threads.
 */
import { throwIfAborted } from '../cancel';
import { zeroUpper } from '../linalg/blockedCholesky';
import { lanczosDeviation } from '../linalg/factorChecks';
import { defaultThreads, type SplitProducts, withSplitProducts } from '../parallel/matrixHelper';
import { norm } from '../solvers/vectors';
import {
  dampedSolve,
  type DeviationRunner,
  type FactorInfo,
  MIXED_PRECISION,
  provisionalDampedCholesky,
} from '../linalg/fastFactor';
import {
  type HeadData,
  type HeadShape,
  headContrastHessian,
  headContrastHessianMacs,
  headHessianVectorProduct,
  headObjective,
  headProbabilities,
} from './softmaxHead';
import { contrastParameterCount, expandHeadVector, projectHeadVector, solveThroughContrasts } from './classContrasts';
import type { HeadFactor } from './headFactor';

export interface PolishedHead {
  head: Float64Array;
  /** Softmax probabilities of the training data at `head`. */
  probs: Float64Array;
  /**
   * H + damping·I factored, H the Hessian at the last Newton point: the Cholesky factor of its part H′ in
   * class-contrast coordinates (classContrasts.ts), the rest of H being l2 + damping along the class sums.
   */
  factor: HeadFactor;
  damping: number;
  /**
   * Which Cholesky routine produced `factor`, and its measured deviation from the damped Hessian at `head`
   * (fastFactor.ts): from the routine's rounding, and from the Hessian having been formed a few steps earlier.
   */
  factorInfo: FactorInfo;
  /** Times the Hessian was formed (1 unless the steps from the first one stalled or the check failed). */
  hessians: number;
  gradNorm: number;
  meanGradNorm: number;
  newtonSteps: number;
}

export interface PolishOptions {
  maxSteps?: number;
  meanGradTolerance?: number;
  minDamping?: number;
  signal?: AbortSignal;
  /** Progress of the Hessian's formation (its blocks), the stage's dominant cost. */
  onProgress?: (done: number, total: number, message: string) => void;
  /**
   * Largest accepted η of a factor formed before the returned head; default NEARBY_HESSIAN_TOLERANCE when the
   * Hessian is expensive to form again (EXPENSIVE_HESSIAN), else MIXED_PRECISION.tolerance.
   */
  nearbyTolerance?: number;
  /**
   * Threads of the Hessian's formation and factor (default: 2 when the work is large and the machine has two
   * cores); the results do not depend on it.
   */
  threads?: 1 | 2;
}

/**
 * Largest accepted η of a factor formed where L-BFGS stopped, against the Hessian at the returned head: every
 * influence value stays within η/(1−η) ≤ 0.1% of the one from the Hessian at the head (self-influence relative,
 * scores in units of √(s_t·s_i)). Measured η there is typically 1–2e-4 (tests), the old polish returned such a
 * factor unchecked whenever one step converged; ten times the mixed-precision tolerance, as the deviation of
 * the Hessian between two points within a Newton step of each other is not rounding.
 * The exact products see the float32 rounding of the Hessian's formation too (softmaxHead.ts sums it over row
 * ranges for that reason): with one float32 sum over 16k rows it alone was η = 1.6e-3 at 26 classes, so the
 * check failed however close L-BFGS had come, and the Hessian formed again at the head — whose factor is checked
 * against that formation only — bought a smaller reported η, not a closer one.
 */
export const NEARBY_HESSIAN_TOLERANCE = 1e-3;

/**
 * Multiply-adds of one Hessian (n·D²·C²) above which forming it again costs more than the looser tolerance
 * (~2 s of matMul); below it the factor must meet MIXED_PRECISION.tolerance, as a float32-rounded one does.
 */
const EXPENSIVE_HESSIAN = 1e10;

/**
 * Lanczos steps of the deviation check (each one exact Hessian-vector product and two triangular solves), plus one
 * product to measure the Ritz vector: 10 products where 12 power steps were the check before. On MNIST logreg
 * (P′ = 7065) 12 power steps reported η = 3.51e-5 and were still rising (16 steps: 3.61e-5); Lanczos reached 3.49e-5
 * with 8 steps (less: hence not 8), a Ritz value of 3.58e-5 with 9 (the measured ‖F·x‖ is at least that) and 3.78e-5
 * with 12. On the test matrices 9 steps never report less than 12 power steps (factorChecks.test.ts).
 */
const DEVIATION_STEPS = 9;

export function polishHeadNewton(
  data: HeadData,
  shape: HeadShape,
  l2: number,
  start: Float64Array,
  options: PolishOptions = {},
): PolishedHead {
  const macs = headContrastHessianMacs(data.n, shape) + contrastParameterCount(shape) ** 3 / 3;
  return withSplitProducts(options.threads ?? defaultThreads(macs), (split) =>
    polishWith(data, shape, l2, start, options, split),
  );
}

function polishWith(
  data: HeadData,
  shape: HeadShape,
  l2: number,
  start: Float64Array,
  options: PolishOptions,
  split: SplitProducts,
): PolishedHead {
  if (!split.parallel) return checkedFirst(polishOnce(data, shape, l2, start, options, split));
  // A mixed factor's check runs on the helper while this thread takes the steps with that factor (they need it
  // either way). In the rare case a check fails, the polish runs again with checks before use, reusing the first
  // Hessian: the steps then follow a float64 factor, exactly as on one thread.
  let speculative: PolishedHead | Float64Array;
  try {
    speculative = polishOnce(data, shape, l2, start, options, split, split);
  } catch (error) {
    // A check still running there will not be collected: the helper is not reused.
    split.abandon();
    throw error;
  }
  if (!(speculative instanceof Float64Array)) return speculative;
  return checkedFirst(polishOnce(data, shape, l2, start, options, split, undefined, speculative));
}

/** A polish whose checks ran before their factor was used cannot have used a factor that failed. */
function checkedFirst(result: PolishedHead | Float64Array): PolishedHead {
  if (result instanceof Float64Array) throw new Error('internal error: a factor was used before its check failed');
  return result;
}

/**
 * The polish. With a `checker`, mixed factors' checks run there while their factor is in use; when one fails, the
 * steps taken with that factor are void and the first Hessian is returned instead, for a second run without one.
 */
function polishOnce(
  data: HeadData,
  shape: HeadShape,
  l2: number,
  start: Float64Array,
  options: PolishOptions,
  split: SplitProducts,
  checker?: DeviationRunner,
  firstHessian?: Float64Array,
): PolishedHead | Float64Array {
  const objective = headObjective(data, shape, l2);
  const p = start.length;
  // The factored matrix is H′, of P′ = D·(C − 1) (classContrasts.ts); the head, its gradient and steps keep P.
  const pc = contrastParameterCount(shape);
  const tolerance = (options.meanGradTolerance ?? 1e-9) * Math.max(data.n, 1);
  let head = Float64Array.from(start);
  const grad = new Float64Array(p);
  let value = objective.evaluate(head, grad);
  let gradNorm = norm(grad);
  let probs = headProbabilities(data, shape, head);
  const { signal } = options;
  let hessians = 0;
  let reuse = firstHessian;
  const factorHere = (message: string) => {
    hessians++;
    const hessian =
      reuse ??
      headContrastHessian(
        data,
        shape,
        probs,
        l2,
        signal,
        (done, total) => options.onProgress?.(done, total, message),
        split,
      );
    reuse = undefined;
    // Factored in place: the Hessian stays readable in the factor's array (its upper triangle and diagonal) for the
    // steps' refinement and for a factor that fails its check, and is not held twice.
    const f = provisionalDampedCholesky(hessian, pc, options.minDamping ?? 0, signal, {
      runner: split,
      checker,
      inPlace: true,
    });
    return { ...f, deviation: NaN, formedAtHead: true, used: false };
  };
  let current = factorHere('forming the Hessian');
  // The first Hessian, for the second run when a check fails: made whole again from its factor's array, which is no
  // longer in use then.
  const first = current.restore;
  /**
   * Waits for the current factor's check and keeps the factor it settles on; false when that is another factor and
   * a step was taken with this one.
   */
  const passed = () => {
    const f = current.settle();
    if (f.factor !== current.factor && current.used) return false;
    current = { ...current, ...f };
    return true;
  };
  let steps = 0;
  const maxSteps = options.maxSteps ?? 6;
  while (gradNorm > tolerance && steps < maxSteps) {
    // A mixed-precision factor is refined against its Hessian here: each step solves that Hessian exactly.
    const solver = current;
    const direction = solveThroughContrasts(grad, shape, l2 + solver.damping, (reduced) =>
      dampedSolve(solver.matrix, pc, solver, reduced),
    );
    current.used = true;
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
    const before = gradNorm;
    head = Float64Array.from(trial);
    grad.set(trialGrad);
    gradNorm = norm(grad);
    steps++;
    probs = headProbabilities(data, shape, head);
    current.formedAtHead = false;
    // The factor of an earlier point converges linearly; when that stops paying, form the Hessian here.
    if (gradNorm > tolerance && steps < maxSteps && gradNorm > 0.1 * before) {
      if (!passed()) return first();
      current = factorHere('forming the Hessian again (the steps stalled)');
    }
  }
  const d = shape.featureDim + 1;
  const expensive = data.n * d * d * shape.numClasses * shape.numClasses > EXPENSIVE_HESSIAN;
  const nearbyTolerance = options.nearbyTolerance ?? (expensive ? NEARBY_HESSIAN_TOLERANCE : MIXED_PRECISION.tolerance);
  let deviation: number;
  if (current.formedAtHead) {
    if (!passed()) return first();
    deviation = current.deviation;
  } else {
    // Ĥ = H(head) + δI against the factor of the Hessian where it was formed, its products on both threads once
    // the helper has checked that factor against that Hessian (it answers in order: waiting for the check first
    // loses nothing).
    if (!passed()) return first();
    const apply = dampedHessianProduct(data, shape, probs, l2, current.damping, split, signal);
    // H′ + δI = (I ⊗ Q′ᵀ)(H + δI)(I ⊗ Q′): its products through the full ones.
    const applyReduced = (x: Float64Array, out: Float64Array) => {
      const full = new Float64Array(p);
      apply(expandHeadVector(x, shape), full);
      out.set(projectHeadVector(full, shape));
    };
    deviation = lanczosDeviation(applyReduced, current.factor, pc, DEVIATION_STEPS, signal);
    if (deviation > nearbyTolerance) {
      current = factorHere('forming the Hessian at the optimum');
      if (!passed()) return first();
      deviation = current.deviation;
    }
  }
  const { factor, damping, precision } = current;
  // The factor's contract from here on: zeros above the diagonal (in place, the Hessian was kept there until now).
  zeroUpper(factor, pc);
  return {
    head,
    probs,
    factor: { lower: factor, size: pc, shape, classSumCurvature: l2 + damping },
    damping,
    factorInfo: { precision, deviation },
    hessians,
    gradNorm,
    meanGradNorm: gradNorm / Math.max(data.n, 1),
    newtonSteps: steps,
  };
}

/**
 * x ↦ (H(head) + δI)·x, exact in float64, as the sum of two halves over the training rows in a fixed order: the
 * helper computes the second half (its rows sent once) while this thread computes the first; on one thread both
 * run here. The same bytes either way.
 */
function dampedHessianProduct(
  data: HeadData,
  shape: HeadShape,
  probs: Float64Array,
  l2: number,
  damping: number,
  split: SplitProducts,
  signal?: AbortSignal,
): (x: Float64Array, out: Float64Array) => void {
  const { featureDim: f, numClasses: c } = shape;
  const half = Math.ceil(data.n / 2);
  const first = {
    data: { phi: data.phi.subarray(0, half * f), y: data.y.subarray(0, half), n: half },
    probs: probs.subarray(0, half * c),
  };
  // Copies: a view would carry the whole buffer to the helper.
  const second = {
    data: { phi: data.phi.slice(half * f), y: data.y.slice(half), n: data.n - half },
    probs: probs.slice(half * c),
  };
  let sent = false;
  return (x, out) => {
    let theirs: ((signal?: AbortSignal) => Float64Array) | undefined;
    if (split.parallel) {
      const { phi, y, n } = second.data;
      const send = sent ? undefined : { phi, y, probs: second.probs, n, featureDim: f, numClasses: c };
      theirs = split.startHeadProduct('headRows', x, send);
      sent = true;
    }
    const mine = headHessianVectorProduct(first.data, shape, first.probs, l2, x);
    const other = theirs ? theirs(signal) : headHessianVectorProduct(second.data, shape, second.probs, 0, x);
    for (let q = 0; q < x.length; q++) out[q] = mine[q] + other[q] + damping * x[q];
  };
}
