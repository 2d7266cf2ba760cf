/**
 * Influence by iterative inverse-HVP solvers, for target sets too large to
 * factor (the whole network, or a wide last layer): for each examined test
 * sample t, x_t = (H + δI)⁻¹ g_t (cg, lissa) or the generalized-influence
 * least-squares x_t = H[:,J]⁺ g_t (gif), then infl(i, t) = g_i · x_t for all i.
 *
 * The damping δ is shared across test samples: when a solver has to raise it
 * (negative curvature of a non-convex network), later solves start from the
 * raised value, so all scores come from the same operator.
 */
import { throwIfAborted } from '../cancel';
import { conjugateGradient } from '../solvers/conjugateGradient';
import { extraDamping } from '../solvers/dampingPlan';
import { estimateSpectrum } from '../solvers/lanczosEigen';
import { frozenSubsetSolve, generalizedInfluenceSolve } from '../solvers/generalizedInfluence';
import { lissa } from '../solvers/lissa';
import { lastAxisNeuronParameters, selectNeuronParameters } from '../solvers/neuronSelection';
import type { InfluenceOperator } from './operators';
import { TopKTracker } from './topK';

export type IterativeMethod = 'cg' | 'lissa' | 'gif' | 'gif-frozen';

export interface IterativeOptions {
  method: IterativeMethod;
  operator: InfluenceOperator;
  nTrain: number;
  nTest: number;
  /** Test samples to explain (others get no proponents/opponents). */
  explained: Int32Array;
  topK: number;
  /** Starting damping δ of the summed objective. */
  damping: number;
  /** Relative residual target. Default 1e-5. */
  tolerance?: number;
  /**
   * lissa: recursion steps per solve. LiSSA needs about κ·ln(1/tolerance)
   * steps, far more than CG's √κ; past this cap it stops, stable, and reports
   * the residual it reached rather than running for minutes per test sample.
   * Default 1000.
   */
  lissaDepth?: number;
  /** gif: fraction of neurons kept. Default 0.1. */
  subsetFraction?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface IterativeResult {
  topK: TopKTracker;
  /** The damping the scores were computed with (≥ the starting one). */
  damping: number;
  /** Per explained test sample: solver iterations and final relative residual. */
  solves: { test: number; iterations: number; relativeResidual: number; converged: boolean }[];
  /** lissa: the scale it settled on (the last solve's). */
  lissaScale?: number;
  /** gif: the number of parameters in J. */
  subsetSize?: number;
  /** Full score rows for the explained samples (explained.length × nTrain), for the reliability check. */
  scores: Float64Array;
}

/** Neuron-level parameter groups of every layer (units on the last axis of each kernel). */
function neuronGroups(operator: InfluenceOperator): Int32Array[] {
  const groups: Int32Array[] = [];
  const blocks = operator.layout;
  for (let k = 0; k < blocks.length; k++) {
    const block = blocks[k];
    if (!block.name.endsWith('kernel')) continue;
    const bias = blocks[k + 1]?.name.endsWith('bias') ? blocks[k + 1] : undefined;
    const units = block.shape[block.shape.length - 1];
    groups.push(...lastAxisNeuronParameters(block.offset, block.size, units, bias ? bias.offset : -1));
  }
  return groups;
}

/** J for generalized influence: the neurons with the largest |gradient| summed over the examined test samples. */
export function selectSubset(operator: InfluenceOperator, gradients: Float64Array[], fraction: number): Int32Array {
  const groups = neuronGroups(operator);
  const scores = groups.map((params) => {
    let s = 0;
    for (const g of gradients) for (const q of params) s += Math.abs(g[q]);
    return s;
  });
  return selectNeuronParameters(scores, groups, { fraction });
}

export function computeIterativeInfluence(options: IterativeOptions): IterativeResult {
  const { operator, explained, method } = options;
  const tolerance = options.tolerance ?? 1e-5;
  const tracker = new TopKTracker(options.nTest, Math.min(options.topK, options.nTrain));
  const scores = new Float64Array(explained.length * options.nTrain);
  const solves: IterativeResult['solves'] = [];
  let damping = options.damping;
  let lissaScale: number | undefined;
  if (operator.target === 'full') {
    // A trained network's Hessian is rarely positive definite. Size the damping
    // once, up front, from a Lanczos estimate of the spectrum, so every test
    // sample is scored with the same operator.
    const spectrum = estimateSpectrum(operator.hvp, operator.numParams, { damping, seed: options.seed });
    if (spectrum.lower <= 0) damping += extraDamping(spectrum);
  }

  const gradients = Array.from(explained, (t) => operator.testGradient(t));
  const subset =
    method === 'gif' || method === 'gif-frozen' ? selectSubset(operator, gradients, options.subsetFraction ?? 0.1) : undefined;

  for (let e = 0; e < explained.length; e++) {
    throwIfAborted(options.signal);
    const g = gradients[e];
    let x: Float64Array;
    let report: { iterations: number; relativeResidual: number; converged: boolean };
    if (method === 'cg') {
      let result = conjugateGradient(operator.hvp, g, { damping, tolerance });
      // Negative curvature: retry with the damping the solver suggests (a few times at most).
      for (let retry = 0; retry < 6 && result.report.negativeCurvature; retry++) {
        damping = Math.max(result.report.suggestedDamping ?? damping * 10, damping * 2, 1e-8);
        result = conjugateGradient(operator.hvp, g, { damping, tolerance });
      }
      ({ x, report } = result);
    } else if (method === 'lissa') {
      const result = lissa(operator.hvp, g, { damping, tolerance, seed: options.seed, scale: lissaScale, depth: options.lissaDepth ?? 1000 });
      damping = result.report.damping;
      lissaScale = result.report.scale;
      ({ x, report } = result);
    } else {
      const solve = method === 'gif' ? generalizedInfluenceSolve : frozenSubsetSolve;
      const result = solve(operator.hvp, g, subset as Int32Array, { damping, tolerance });
      x = new Float64Array(operator.numParams);
      (subset as Int32Array).forEach((q, j) => (x[q] = result.x[j]));
      report = result.report;
    }
    const row = operator.trainDots(x);
    scores.set(row, e * options.nTrain);
    const t = explained[e];
    for (let i = 0; i < row.length; i++) tracker.offer(t, i, row[i]);
    solves.push({ test: t, iterations: report.iterations, relativeResidual: report.relativeResidual, converged: report.converged });
    options.onProgress?.(e + 1, explained.length);
  }
  return { topK: tracker, damping, solves, lissaScale, subsetSize: subset?.length, scores };
}
