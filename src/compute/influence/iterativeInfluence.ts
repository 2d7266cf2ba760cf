/**
 * Influence by iterative inverse-HVP solvers, for target sets too large to
 * factor (the whole network, or a wide last layer): for each examined test
 * sample t, x_t = (H + δI)⁻¹ g_t (cg, lissa) or the generalized-influence
 * least-squares x_t = H[:,J]⁺ g_t (gif), then infl(i, t) = g_i · x_t for all i.
 * The samples are solved in batches (solvers/batchSolvers.ts): each iteration
 * applies the operator to every active right-hand side in one call, and the
 * rows g_i · x_t of a batch come from one pass too.
 *
 * The damping δ is shared across test samples: when a solver has to raise it
 * (negative curvature of a non-convex network), later solves start from the
 * raised value, so all scores come from the same operator.
 */
import { checkedBeforeEachCall, throwIfAborted } from '../cancel';
import {
  type BatchControl,
  type ColumnReport,
  conjugateGradientBatch,
  generalizedInfluenceBatch,
  type HvpMany,
} from '../solvers/batchSolvers';
import { lissaBatch } from '../solvers/lissaBatch';
import { extraDamping } from '../solvers/dampingPlan';
import { estimateSpectrum } from '../solvers/lanczosEigen';
import { lastAxisNeuronParameters, selectNeuronParameters, squaredNormPerNeuron } from '../solvers/neuronSelection';
import type { InfluenceOperator } from './operators';
import type { NetworkShards } from './shardedNetwork';
import { TopKTracker } from './topK';

/** gif: share of ‖g_t‖² the moved neurons must hold (see selectSubset). */
export const DEFAULT_SUBSET_COVERAGE = 0.9;

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
  /** gif: fraction of neurons kept at least. Default 0.1. */
  subsetFraction?: number;
  /** gif: share of the test gradient's ‖g‖² the kept neurons must hold at least. Default 0.9. */
  subsetCoverage?: number;
  seed?: number;
  signal?: AbortSignal;
  /**
   * Seconds the solves may take in all (the solverSeconds option). Past it the running solves stop and report the
   * residual they reached (`cutShort`); samples not yet started stay unexplained (`solved` < explained.length).
   */
  budgetSeconds?: number;
  /**
   * Explained samples done, in [0, total], and the estimated seconds left (from the solvers' progress within a batch,
   * batchSolvers.ts: a batch's samples all finish at its end, so the count alone would say nothing until then).
   */
  onProgress?: (done: number, total: number, secondsLeft?: number) => void;
  /**
   * The first explained samples, already solved by an earlier run on the same
   * operator (pipeline/scoreCache.ts): their rows, and the solver state after
   * the last of them. The run continues from there, exactly as if it had
   * solved them itself (the damping carries over from solve to solve).
   */
  resume?: IterativeResume;
}

export interface IterativeResume {
  rows: Float64Array[];
  solves: IterativeResult['solves'];
  /** gif: |J| of each resumed solve. */
  subsetSizes: number[];
  /** The solver state after each resumed solve. */
  states: IterativeResult['states'];
}

export interface IterativeResult {
  topK: TopKTracker;
  /** The damping the scores were computed with (≥ the starting one). */
  damping: number;
  /**
   * Per explained test sample: solver iterations and final relative residual; `cutShort` when the time budget
   * stopped it before its tolerance or its iteration cap.
   */
  solves: {
    test: number;
    iterations: number;
    relativeResidual: number;
    converged: boolean;
    /** gif: ‖Mᵀ(g − Mx)‖/‖Mᵀg‖, the least-squares optimality its convergence is judged by. */
    normalResidual?: number;
    cutShort?: boolean;
  }[];
  /** How many of the explained samples were solved (fewer than asked only when the budget ran out first). */
  solved: number;
  /** lissa: the scale it settled on (the last solve's). */
  lissaScale?: number;
  /** gif: the number of parameters in J, per explained test sample (J is chosen for each). */
  subsetSizes?: number[];
  /** Full score rows for the explained samples (explained.length × nTrain), for the reliability check. */
  scores: Float64Array;
  /** The solver state after each solve (what a later run resumes from). */
  states: { damping: number; lissaScale?: number }[];
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

/**
 * J for generalized influence of one examined test sample: whole neurons in
 * order of their share of ‖g_t‖², at least `fraction` of them and as many
 * more as it takes to hold `coverage` of ‖g_t‖². Chosen per test sample
 * because the parameters "tied to the examined data" (Lyu et al. 2023)
 * differ between test samples: pooling the gradients of several test points
 * lets one point's neurons crowd out another's.
 */
export function selectSubset(
  groups: Int32Array[],
  gradient: Float64Array,
  fraction: number,
  coverage: number,
): Int32Array {
  return selectNeuronParameters(squaredNormPerNeuron(gradient, groups), groups, { fraction, coverage });
}

/** Right-hand sides solved together: one operator call per iteration serves them all. */
export const SOLVE_BATCH = 64;

/**
 * lissa's mini-batches (solvers/sampledLissa.ts): at most 8 shards of at least 160 rows each. Smaller shards' products
 * scatter too far from the full one (16 shards of 90 rows made the digits MLP's recursion diverge; 8 of 180 keep
 * nearly the deterministic rate of decay), and the anchor products kept per round (float64, shards × columns ×
 * parameters) stay within 256 MB. Fewer than 2 shards: every step takes the full product.
 */
const LISSA_MAX_SHARDS = 8;
const LISSA_MIN_SHARD_ROWS = 160;
const LISSA_ANCHOR_BYTES = 256 * 2 ** 20;

export function lissaShardCount(nTrain: number, numParams: number, columns: number): number {
  const byMemory = Math.floor(LISSA_ANCHOR_BYTES / (8 * Math.max(1, numParams * columns)));
  return Math.max(1, Math.min(LISSA_MAX_SHARDS, Math.floor(nTrain / LISSA_MIN_SHARD_ROWS), byMemory));
}

export function computeIterativeInfluence(options: IterativeOptions): IterativeResult {
  if (options.method !== 'lissa') return solveAll(options, undefined);
  const resumed = Math.min(options.resume?.rows.length ?? 0, options.explained.length);
  const columns = Math.min(SOLVE_BATCH, options.explained.length - resumed);
  const count = lissaShardCount(options.nTrain, options.operator.numParams, columns);
  const shards = count >= 2 ? options.operator.shards?.(count, options.seed ?? 0) : undefined;
  try {
    return solveAll(options, shards);
  } finally {
    shards?.dispose();
  }
}

/** The solves, batch after batch; lissa's steps with mini-batch products when `shards` are given. */
function solveAll(options: IterativeOptions, shards: NetworkShards | undefined): IterativeResult {
  const { operator, explained, method } = options;
  const tolerance = options.tolerance ?? 1e-5;
  const tracker = new TopKTracker(options.nTest, Math.min(options.topK, options.nTrain));
  const deadline = options.budgetSeconds !== undefined ? performance.now() + options.budgetSeconds * 1000 : undefined;
  // Every solver iteration is one batched H·v: checking there sees a cancel within one iteration
  // (and the network's product checks between blocks of samples).
  const hvpMany = checkedBeforeEachCall((vs: readonly Float64Array[]) => operator.hvpMany(vs), options.signal);
  const hvp = checkedBeforeEachCall(operator.hvp, options.signal);
  const scores = new Float64Array(explained.length * options.nTrain);
  const solves: IterativeResult['solves'] = [];
  let damping = options.damping;
  let lissaScale: number | undefined;
  const states: IterativeResult['states'] = [];
  const subsetSizes: number[] = [];
  const resumed = Math.min(options.resume?.rows.length ?? 0, explained.length);
  if (options.resume && resumed > 0) {
    // Its damping already holds the spectrum's extra (sized by the run that solved them).
    const resume = options.resume;
    for (let e = 0; e < resumed; e++) {
      scores.set(resume.rows[e], e * options.nTrain);
      const row = resume.rows[e];
      tracker.offerRow(explained[e], 0, row, 0, row.length);
      solves.push(resume.solves[e]);
      states.push(resume.states[e]);
      if (resume.subsetSizes.length) subsetSizes.push(resume.subsetSizes[e]);
    }
    ({ damping, lissaScale } = resume.states[resumed - 1]);
  } else if (operator.target === 'full') {
    // A trained network's Hessian is rarely positive definite. Size the damping
    // once, up front, from a Lanczos estimate of the spectrum, so every test
    // sample is scored with the same operator.
    const spectrum = estimateSpectrum(hvp, operator.numParams, { damping, seed: options.seed });
    if (spectrum.lower <= 0) damping += extraDamping(spectrum);
  }

  const groups = method === 'gif' || method === 'gif-frozen' ? neuronGroups(operator) : [];
  let solved = resumed;
  for (let first = resumed; first < explained.length; first += SOLVE_BATCH) {
    throwIfAborted(options.signal);
    // The budget is spent: the remaining samples stay unexplained (the results say how many). The first batch
    // always runs, cut short if need be, so a run always explains something.
    if (first > resumed && deadline !== undefined && performance.now() > deadline) break;
    const ids = Array.from(explained.subarray(first, Math.min(first + SOLVE_BATCH, explained.length)));
    const started = performance.now();
    const gradients = ids.map((t) => operator.testGradient(t));
    const control: BatchControl = {
      deadline,
      onProgress: (fraction) => {
        // The batch's solves end together: the time left comes from the solvers' own progress (residuals and
        // iteration caps), the later batches at this batch's pace, and never past the budget.
        const now = performance.now();
        const byTime = deadline !== undefined ? (now - started) / (deadline - started) : 0;
        const share = Math.min(1, Math.max(fraction, byTime));
        let secondsLeft: number | undefined;
        if (share > 0) {
          const batchSeconds = (now - started) / share / 1000;
          const later = explained.length - first - ids.length;
          secondsLeft = batchSeconds * (1 - share) + (later / ids.length) * batchSeconds;
          if (deadline !== undefined) secondsLeft = Math.min(secondsLeft, Math.max(0, (deadline - now) / 1000));
        }
        options.onProgress?.(first + Math.floor(share * ids.length), explained.length, secondsLeft);
      },
    };
    let xs: Float64Array[];
    let reports: ColumnReport[];
    if (method === 'cg') {
      let result = conjugateGradientBatch(hvpMany, gradients, { damping, tolerance }, control);
      // Negative curvature: raise the damping for the whole batch (one operator for all scores) and solve again.
      for (let retry = 0; retry < 6; retry++) {
        const offending = result.reports.find((r) => r.negativeCurvature);
        if (!offending?.curvatureDirection) break;
        const spectrum = estimateSpectrum(hvp, operator.numParams, {
          damping,
          steps: 20,
          start: offending.curvatureDirection,
        });
        damping = Math.max(damping + extraDamping(spectrum), damping * 2, 1e-8);
        result = conjugateGradientBatch(hvpMany, gradients, { damping, tolerance }, control);
      }
      ({ xs, reports } = result);
    } else if (method === 'lissa') {
      const result = lissaBatch(
        hvpMany,
        gradients,
        { damping, tolerance, seed: options.seed, scale: lissaScale, depth: options.lissaDepth ?? 1000, shards },
        control,
      );
      damping = result.damping;
      lissaScale = result.scale;
      ({ xs, reports } = result);
    } else {
      const subsets = gradients.map((g) =>
        selectSubset(groups, g, options.subsetFraction ?? 0.1, options.subsetCoverage ?? DEFAULT_SUBSET_COVERAGE),
      );
      subsetSizes.push(...subsets.map((j) => j.length));
      if (method === 'gif') {
        ({ xs, reports } = generalizedInfluenceBatch(hvpMany, gradients, { damping, tolerance, subsets }, control));
      } else {
        // The naive restriction ((H+δI)_JJ)⁻¹·g_J: CG on each sample's own principal submatrix.
        const restricted: HvpMany = (vs, columns) =>
          hvpMany(vs.map((v, k) => embed(v, subsets[columns[k]], operator.numParams))).map((full, k) =>
            Float64Array.from(subsets[columns[k]], (q) => full[q]),
          );
        const result = conjugateGradientBatch(
          restricted,
          gradients.map((g, k) => Float64Array.from(subsets[k], (q) => g[q])),
          {
            damping,
            tolerance,
            maxIterations: Math.max(50, Math.min(2 * Math.max(...subsets.map((j) => j.length)), 1000)),
          },
          control,
        );
        ({ xs, reports } = result);
      }
      xs = xs.map((x, k) => embed(x, subsets[k], operator.numParams));
    }
    const rows = operator.trainDotsMany(xs);
    ids.forEach((t, k) => {
      const e = first + k;
      const row = rows[k];
      scores.set(row, e * options.nTrain);
      tracker.offerRow(t, 0, row, 0, row.length);
      const report = reports[k];
      solves.push({
        test: t,
        iterations: report.iterations,
        relativeResidual: report.relativeResidual,
        converged: report.converged,
        ...('normalResidual' in report && typeof report.normalResidual === 'number'
          ? { normalResidual: report.normalResidual }
          : {}),
        ...(report.cutShort ? { cutShort: true } : {}),
      });
      states.push({ damping, ...(lissaScale !== undefined ? { lissaScale } : {}) });
    });
    solved = first + ids.length;
    options.onProgress?.(solved, explained.length);
  }
  const hasSubsets = groups.length > 0 || subsetSizes.length > 0;
  return {
    topK: tracker,
    damping,
    solves,
    lissaScale,
    subsetSizes: hasSubsets ? subsetSizes : undefined,
    scores: scores.subarray(0, solved * options.nTrain),
    states,
    solved,
  };
}

/** A full-length vector with x at the indices J. */
function embed(x: Float64Array, subset: Int32Array, size: number): Float64Array {
  const full = new Float64Array(size);
  subset.forEach((q, k) => (full[q] = x[k]));
  return full;
}
