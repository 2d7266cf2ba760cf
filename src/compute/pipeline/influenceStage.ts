/**
 * Chooses and runs the influence estimator (DESIGN.md §2) once the model is
 * trained and its head fitted. Every method produces the same things:
 * self-influence for every training sample, top-k proponents/opponents for
 * the explained test samples, and a way to get a whole score row for the
 * reliability check.
 */
import { checkedBeforeEachCall, throwIfAborted } from '../cancel';
import { createFastHeadHvp } from '../head/fastHeadObjective';
import { type HeadData, type HeadShape, headParameterCount, perSampleGradients } from '../head/softmaxHead';
import { computeExactHeadInfluence } from '../influence/exactHeadInfluence';
import {
  computeIterativeInfluence,
  DEFAULT_SUBSET_COVERAGE,
  type IterativeResume,
} from '../influence/iterativeInfluence';
import { fullNetworkOperator, headOperator, type InfluenceOperator } from '../influence/operators';
import { computeTracIn } from '../influence/tracin';
import type { TopKTracker } from '../influence/topK';
import { describeExactCost, type ExactCostInput, predictExactCost } from '../head/exactCost';
import { type HeadFactor, headFactorSolve } from '../head/headFactor';
import { contrastParameterCount } from '../head/classContrasts';
import type { FactorInfo } from '../linalg/fastFactor';
import type { TrainedNetwork, TrainingData } from '../models/types';
import type { InfluenceMethod } from '../results/schema';
import { lanczosEigen } from '../solvers/lanczosEigen';
import { eigenBasisTransposed, lowRankSelfInfluenceBlock } from '../solvers/lowRank';
import { optionRef } from '../options/derive';
import type { MethodChoice, Progress } from './options';

export type Target = 'last-layer' | 'full';

export interface InfluenceStageInput {
  choice: MethodChoice;
  requestedTarget?: Target;
  net: TrainedNetwork;
  train: HeadData;
  test: HeadData;
  trainData: TrainingData;
  testData: TrainingData;
  shape: HeadShape;
  trainProbs: Float64Array;
  testProbs: Float64Array;
  l2: number;
  /** The head's damped Hessian factored (headFactor.ts), when the head was small enough to factor. */
  factor?: HeadFactor;
  /** How `factor` was computed (fastFactor.ts); absent = float64. */
  factorInfo?: FactorInfo;
  headDamping: number;
  maxExactParameters: number;
  topK: number;
  /** Test samples explained by the iterative methods (exact and TracIn explain all): the first this many … */
  explainCount: number;
  /** … then these test ids, in this order ("Explain this prediction" on a sample not yet explained). */
  explainIds?: readonly number[];
  subsetFraction: number;
  /** Iterative methods: seconds their solves may take (the solverSeconds option); absent = no limit. */
  solverSeconds?: number;
  seed: number;
  signal?: AbortSignal;
  report: (p: Progress) => void;
  /** Iterative methods: solves kept from an earlier run on the same fit and options (scoreCache.ts). */
  resume?: IterativeResume;
  /** Iterative methods: the last-layer self-influence kept from an earlier run on the same fit. */
  selfInfluence?: { values: Float64Array; method: string };
}

export interface InfluenceStageResult {
  method: InfluenceMethod;
  reason: string;
  target: Target;
  damping: number;
  selfInfluence: Float64Array;
  /** How the self-influence was computed (it is not always by the chosen method: see reason). */
  selfInfluenceMethod: string;
  topK: TopKTracker;
  /** Test ids with proponents/opponents; null = all of them. */
  explained: number[] | null;
  /** Solver diagnostics for the results file. */
  details: Record<string, number | string | boolean>;
  /** infl(·, t) for every training sample, by the chosen method (for the reliability check). */
  scoreRow(t: number): Float64Array;
  /** Iterative methods: what a later run on the same fit resumes from (scoreCache.ts). */
  iterative?: { selfInfluence: { values: Float64Array; method: string }; resume: IterativeResume };
  /** Iterative methods: per explained test sample, how its solve ended (the results' influence.solves). */
  solves?: IterativeResume['solves'];
  /** What the user must know about these scores (solves cut short by the time budget): the results' warnings. */
  warnings?: string[];
}

export function resolveMethod(
  choice: MethodChoice,
  shape: ExactCostInput,
  maxExact: number,
): { method: InfluenceMethod; reason: string } {
  if (choice !== 'auto') return { method: choice, reason: `${choice}: requested` };
  const headParameters = shape.parameters;
  const cost = describeExactCost(predictExactCost(shape));
  if (headParameters <= maxExact) {
    return {
      method: 'exact',
      reason:
        `auto → exact: the last layer has ${headParameters} parameters (≤ ` +
        `${maxExact}, affordable to factor: ${cost})`,
    };
  }
  return {
    method: 'cg',
    reason: `auto → cg: the last layer has ${headParameters} parameters (> ${maxExact}, too costly to factor: ${cost})`,
  };
}

/** The shape exact influence's cost is predicted from: with a factor, over the features it covers. */
export function exactCostShape(
  input: Pick<InfluenceStageInput, 'shape' | 'train' | 'test' | 'factor'>,
): ExactCostInput {
  const features = input.factor?.features;
  return {
    parameters: headParameterCount(input.shape),
    numClasses: input.shape.numClasses,
    nTrain: input.train.n,
    nTest: input.test.n,
    ...(features && { usedFeatures: features.length }),
  };
}

/** Exact (or, for a head too large to factor, low-rank) self-influence over the last layer. */
function lastLayerSelfInfluence(input: InfluenceStageInput): { values: Float64Array; method: string } {
  if (input.factor) {
    const exact = computeExactHeadInfluence({
      train: input.train,
      test: { ...input.test, n: 0 },
      shape: input.shape,
      trainProbs: input.trainProbs,
      testProbs: input.testProbs,
      factor: input.factor,
      topK: 0,
      signal: input.signal,
    });
    return { values: exact.selfInfluence, method: 'exact over the last layer' };
  }
  // Low rank: top eigenpairs of the data part of H, the rest of the spectrum at l2 (Schioppa et al. 2022).
  const p = headParameterCount(input.shape);
  const k = Math.min(64, p);
  const dataPart = createFastHeadHvp(input.train, input.shape, input.trainProbs, 0);
  let eig;
  try {
    eig = lanczosEigen(checkedBeforeEachCall(dataPart.hvp, input.signal), p, k, { seed: input.seed, which: 'largest' });
  } finally {
    dataPart.dispose();
  }
  const values = new Float64Array(input.train.n);
  // Blocks of samples: the projections onto the eigenvectors are one matMul per block.
  const basisT = eigenBasisTransposed(eig, p);
  const block = Math.max(1, Math.min(input.train.n, Math.floor(2 ** 22 / p)));
  const gradients = new Float32Array(block * p);
  for (let start = 0; start < input.train.n; start += block) {
    throwIfAborted(input.signal);
    const end = Math.min(start + block, input.train.n);
    const rows = gradients.subarray(0, (end - start) * p);
    perSampleGradients(input.train, input.shape, input.trainProbs, start, end, rows);
    values.set(
      lowRankSelfInfluenceBlock(eig, input.l2 + input.headDamping, rows, end - start, basisT, {
        includeComplement: true,
      }),
      start,
    );
  }
  return { values, method: `low-rank over the last layer (top ${k} eigenpairs, the rest at λ)` };
}

/**
 * The test samples an iterative method explains, in the order it solves them: the first `count`, then `ids` not among
 * them (a later run that adds ids resumes from the solves kept for the earlier list: scoreCache.ts).
 */
export function explainedIds(count: number, nTest: number, ids: readonly number[] = []): Int32Array {
  const order = Array.from({ length: Math.min(count, nTest) }, (_, t) => t);
  const seen = new Set(order);
  for (const t of ids) {
    if (t < nTest && !seen.has(t)) {
      seen.add(t);
      order.push(t);
    }
  }
  return Int32Array.from(order);
}

/**
 * The exact method's result from its scores (computed now, or kept from an
 * earlier run on the same fit: see scoreCache.ts).
 */
export function exactStageResult(
  input: Pick<
    InfluenceStageInput,
    'train' | 'test' | 'shape' | 'trainProbs' | 'testProbs' | 'l2' | 'factor' | 'factorInfo' | 'headDamping'
  >,
  reason: string,
  exact: { selfInfluence: Float64Array; topK: TopKTracker },
): InfluenceStageResult {
  const factor = input.factor as HeadFactor;
  // scoreRow needs only gradients and dot products: the operator never builds its HVP tensors here.
  const operator = headOperator(input.train, input.test, input.shape, input.trainProbs, input.testProbs, input.l2);
  return {
    method: 'exact',
    reason,
    target: 'last-layer',
    damping: input.headDamping,
    selfInfluence: exact.selfInfluence,
    selfInfluenceMethod: 'exact over the last layer',
    topK: exact.topK,
    explained: null,
    details: exactDetails(input),
    scoreRow: (t) => operator.trainDots(headFactorSolve(factor, operator.testGradient(t))),
  };
}

/**
 * What the results say about the exact method's factor: the routine, its measured deviation η
 * (every influence value is within η/(1−η) of the float64 one), and the predicted cost auto judged by.
 */
function exactDetails(
  input: Pick<InfluenceStageInput, 'train' | 'test' | 'shape' | 'factor' | 'factorInfo'>,
): Record<string, number | string> {
  const features = input.factor?.features;
  const cost = predictExactCost(exactCostShape(input));
  return {
    factorization: input.factorInfo?.precision ?? 'float64',
    factorDeviation: input.factorInfo?.deviation ?? 0,
    // The size of the matrix factored: the Hessian in class-contrast coordinates over the features some training row
    // uses, D′·(C − 1) (head/classContrasts.ts, head/featureSubset.ts), and how many features no training row uses.
    factoredParameters: input.factor?.size ?? contrastParameterCount(input.shape),
    ...(features && { featuresUnusedInTraining: input.shape.featureDim - features.length }),
    predictedSeconds: Math.round(cost.seconds * 10) / 10,
    predictedFloat64Seconds: Math.round(cost.float64Seconds * 10) / 10,
    predictedScoreSeconds: Math.round(cost.scoreSeconds * 10) / 10,
    predictedMB: Math.round(cost.bytes / 2 ** 20),
  };
}

export function runInfluenceStage(input: InfluenceStageInput): InfluenceStageResult {
  const p = headParameterCount(input.shape);
  const { method, reason } = resolveMethod(input.choice, exactCostShape(input), input.maxExactParameters);
  const nTest = input.test.n;
  // One count per unit of the method's main loop (training samples, or solves), from 0 at the start
  // of the stage to its total, so the bar moves and the time left is estimated from the first unit on.
  const progress = (done: number, total: number, phase?: string, secondsLeft?: number) =>
    input.report({
      stage: 'influence',
      done,
      total,
      message: phase ? `${method}: ${phase}` : method,
      ...(secondsLeft !== undefined ? { secondsLeft } : {}),
    });

  if (method === 'exact') {
    if (!input.factor)
      throw new Error(
        `exact influence needs the ${p}×${p} Hessian factored; raise ` +
          `${optionRef('maxExactParameters')} or set ${optionRef('method')} to cg`,
      );
    const factor = input.factor;
    progress(0, input.train.n, 'preparing the triangular solve');
    const exact = computeExactHeadInfluence({
      train: input.train,
      test: input.test,
      shape: input.shape,
      trainProbs: input.trainProbs,
      testProbs: input.testProbs,
      factor,
      topK: input.topK,
      signal: input.signal,
      onProgress: progress,
    });
    return exactStageResult(input, reason, exact);
  }

  if (method === 'tracin') {
    const checkpoints = input.net.checkpoints;
    if (!checkpoints?.length) throw new Error('tracin needs training checkpoints');
    progress(0, input.train.n, `features at ${checkpoints.length} checkpoints`);
    const tracin = computeTracIn({
      net: input.net,
      checkpoints,
      trainX: input.trainData.x,
      trainY: input.trainData.y,
      testX: input.testData.x,
      testY: input.testData.y,
      topK: input.topK,
      signal: input.signal,
      onProgress: progress,
    });
    return {
      method,
      reason,
      target: 'last-layer',
      damping: 0,
      selfInfluence: tracin.selfInfluence,
      selfInfluenceMethod: `tracin over the last layer (${tracin.checkpoints} checkpoints)`,
      topK: tracin.topK,
      explained: null,
      details: { checkpoints: tracin.checkpoints },
      scoreRow: (t) => {
        const one = computeTracIn({
          net: input.net,
          checkpoints,
          trainX: input.trainData.x,
          trainY: input.trainData.y,
          testX: input.testData.x.subarray(t * input.testData.dims, (t + 1) * input.testData.dims),
          testY: input.testData.y.subarray(t, t + 1),
          topK: input.trainData.n,
        });
        const row = new Float64Array(input.trainData.n);
        const { proponents, opponents } = one.topK.row(0);
        for (const e of [...proponents, ...opponents]) row[e.index] = e.value;
        return row;
      },
    };
  }

  // Iterative methods: cg, lissa on the chosen target; gif on the whole network by design.
  const hasBody = input.net.body.length > 0;
  const target: Target =
    method === 'gif' ? (hasBody ? 'full' : 'last-layer') : (input.requestedTarget ?? (hasBody ? 'full' : 'last-layer'));
  const explained = explainedIds(input.explainCount, nTest, input.explainIds);
  const explainTotal = explained.length;
  progress(0, explainTotal, 'self-influence over the last layer');
  const self = input.selfInfluence ?? lastLayerSelfInfluence(input);
  throwIfAborted(input.signal);
  progress(0, explainTotal, `one solve per explained test sample (${explainTotal})`);
  const operator: InfluenceOperator =
    target === 'full'
      ? fullNetworkOperator(input.net, input.trainData, input.testData, input.signal)
      : headOperator(input.train, input.test, input.shape, input.trainProbs, input.testProbs, input.l2);
  try {
    const result = computeIterativeInfluence({
      method,
      operator,
      nTrain: input.train.n,
      nTest,
      explained,
      topK: input.topK,
      damping: target === 'last-layer' ? input.headDamping : 0,
      subsetFraction: input.subsetFraction,
      seed: input.seed,
      signal: input.signal,
      budgetSeconds: input.solverSeconds,
      onProgress: (done, total, secondsLeft) => progress(done, total, undefined, secondsLeft),
      resume: input.resume,
    });
    // The budget may have ended the stage before every requested sample had a solve.
    const solvedIds = explained.subarray(0, result.solved);
    const iterations = result.solves.map((s) => s.iterations);
    const rows = new Map<number, Float64Array>();
    const rowList: Float64Array[] = [];
    Array.from(solvedIds).forEach((t, e) => {
      rowList.push(result.scores.subarray(e * input.train.n, (e + 1) * input.train.n));
      rows.set(t, rowList[e]);
    });
    const cutShort = result.solves.filter((s) => s.cutShort);
    // A later run resumes only from solves that ended on their own (a larger budget takes a cut-short one further).
    const keep = cutShort.length ? result.solves.findIndex((s) => s.cutShort) : result.solves.length;
    return {
      method,
      reason,
      target,
      damping: result.damping,
      selfInfluence: self.values,
      selfInfluenceMethod: self.method,
      topK: result.topK,
      explained: Array.from(solvedIds),
      details: {
        targetParameters: operator.numParams,
        ...(input.solverSeconds !== undefined ? { solverSeconds: input.solverSeconds } : {}),
        cutShort: cutShort.length,
        ...(result.solved < explained.length ? { notStarted: explained.length - result.solved } : {}),
        meanIterations: iterations.reduce((a, b) => a + b, 0) / Math.max(iterations.length, 1),
        maxRelativeResidual: Math.max(0, ...result.solves.map((s) => s.relativeResidual)),
        allConverged: result.solves.every((s) => s.converged),
        ...(result.lissaScale !== undefined ? { lissaScale: result.lissaScale } : {}),
        ...(result.subsetSizes !== undefined
          ? {
              subsetParameters: Math.round(
                result.subsetSizes.reduce((a, b) => a + b, 0) / Math.max(result.subsetSizes.length, 1),
              ),
              subsetParametersMax: Math.max(0, ...result.subsetSizes),
              subsetRule:
                `per test sample: whole neurons, ≥ ` +
                `${Math.round(input.subsetFraction * 100)} % of them and ≥ ` +
                `${Math.round(DEFAULT_SUBSET_COVERAGE * 100)} % of ‖g_t‖²`,
            }
          : {}),
      },
      scoreRow: (t) => {
        const row = rows.get(t);
        if (!row)
          throw new Error(`test sample ${t} was not explained; the reliability check uses explained samples only`);
        return row;
      },
      iterative: {
        selfInfluence: self,
        resume: {
          rows: rowList.slice(0, keep),
          solves: result.solves.slice(0, keep),
          subsetSizes: (result.subsetSizes ?? []).slice(0, keep),
          states: result.states.slice(0, keep),
        },
      },
      solves: result.solves,
      warnings: [
        ...budgetWarnings(method, input, cutShort, explained.length - result.solved),
        ...unconvergedWarnings(
          method,
          result.solves.filter((s) => !s.converged && !s.cutShort),
        ),
      ],
    };
  } finally {
    operator.dispose();
  }
}

/** How far a solve is from its answer: gif's least-squares optimality (its misfit stays > 0), else the residual. */
function misfit(s: { relativeResidual: number; normalResidual?: number }): number {
  return s.normalResidual ?? s.relativeResidual;
}

/**
 * What the results say of solves that stopped at their iteration limit short of their tolerance (an ill-conditioned
 * or indefinite system: an unregularized network, a separable set without weight decay): silent, their rankings were
 * listed as if exact. A residual of 1 or more is no better than no solve at all.
 */
function unconvergedWarnings(
  method: InfluenceMethod,
  stopped: readonly { relativeResidual: number; normalResidual?: number }[],
): string[] {
  if (stopped.length === 0) return [];
  const worst = Math.max(...stopped.map(misfit));
  const gif = stopped.every((s) => s.normalResidual !== undefined);
  return [
    `The ${method} solves of ${stopped.length} explained test sample(s) stopped at their iteration limit short of ` +
      `their tolerance: ${gif ? 'least-squares optimality' : 'relative residual'} up to ${worst.toPrecision(2)} ` +
      `(per sample in influence.solves); their proponents and opponents are approximate` +
      (worst >= 1
        ? ', and where it is 1 or more no better than a guess: more weight decay, or the exact method over the last ' +
          'layer, gives a system that solves.'
        : '.'),
  ];
}

/** What the results say when the time budget stopped the solves (empty when it did not). */
function budgetWarnings(
  method: InfluenceMethod,
  input: Pick<InfluenceStageInput, 'solverSeconds'>,
  cutShort: readonly { relativeResidual: number; normalResidual?: number }[],
  notStarted: number,
): string[] {
  const warnings: string[] = [];
  const budget = `the ${input.solverSeconds} s time budget (${optionRef('solverSeconds')})`;
  if (cutShort.length > 0) {
    // gif's misfit stays > 0 at its solution: its least-squares optimality says how far it is.
    const gif = cutShort.every((s) => s.normalResidual !== undefined);
    const worst = Math.max(...cutShort.map((s) => (gif ? misfit(s) : s.relativeResidual)));
    warnings.push(
      `The ${method} solves of ${cutShort.length} explained test sample(s) were cut short by ${budget} before ` +
        `reaching their tolerance: ${gif ? 'least-squares optimality' : 'relative residual'} up to ` +
        `${worst.toPrecision(2)} (per sample in influence.solves); their proponents and opponents are ` +
        `approximate. A larger budget lets them finish.`,
    );
  }
  if (notStarted > 0) {
    warnings.push(
      `${notStarted} test sample(s) asked for were not explained: ${budget} ran out before their solves started.`,
    );
  }
  return warnings;
}
