/** The study's plain-data shapes: what a configuration asks for and what it measured (study.json). */
import type { ModelKind } from '../../src/compute/types';

/** Estimators the engine offers (runInfluenceStage). */
export type EngineMethodId = 'exact' | 'cg-ll' | 'lissa-ll' | 'tracin' | 'gif' | 'cg-full' | 'lissa-full';
/**
 * Every estimator the study measures: the engine's, plus `newton`, the one-step Newton
 * leave-one-out estimate g_tᵀ(H − H_i)⁻¹g_i on the convex head (newtonStepInfluence.ts). It is
 * not an engine method: at O(P²C) per training sample it is computed only for the study's
 * removed samples, after they are chosen, so it does not change which pairs are measured.
 * `newton-loss` takes the same step Δθ_i and evaluates the test loss at θ̂ + Δθ_i instead of its
 * linear change g_tᵀΔθ_i (approximate leave-one-out: no first-order approximation left in it but
 * the single Newton step).
 */
export type MethodId = EngineMethodId | 'newton' | 'newton-loss';

export function isEngineMethod(id: MethodId): id is EngineMethodId {
  return id !== 'newton' && id !== 'newton-loss';
}

export interface MethodSpec {
  id: EngineMethodId;
  /** The engine's `method` option. */
  choice: 'exact' | 'cg' | 'lissa' | 'tracin' | 'gif';
  /** The engine's `target` option (cg/lissa only). */
  target?: 'last-layer' | 'full';
}

export const METHODS: Record<EngineMethodId, MethodSpec> = {
  exact: { id: 'exact', choice: 'exact' },
  'cg-ll': { id: 'cg-ll', choice: 'cg', target: 'last-layer' },
  'lissa-ll': { id: 'lissa-ll', choice: 'lissa', target: 'last-layer' },
  tracin: { id: 'tracin', choice: 'tracin' },
  gif: { id: 'gif', choice: 'gif' },
  'cg-full': { id: 'cg-full', choice: 'cg', target: 'full' },
  'lissa-full': { id: 'lissa-full', choice: 'lissa', target: 'full' },
};

/** How each method is named in the report. */
export const METHOD_LABEL: Record<MethodId, string> = {
  exact: 'exact (last layer)',
  'cg-ll': 'cg (last layer)',
  'lissa-ll': 'lissa (last layer)',
  tracin: 'tracin (last layer)',
  gif: 'gif (subset J)',
  'cg-full': 'cg (whole net)',
  'lissa-full': 'lissa (whole net)',
  newton: 'newton (one-step, convex head)',
  'newton-loss': 'newton step + exact test loss',
};

export interface ConfigSpec {
  id: string;
  /** Model family for grouping in the report. */
  family: 'logreg' | 'mlp' | 'cnn';
  dataset: 'mnist' | 'iris';
  model: ModelKind;
  hidden: number[];
  convChannels: number[];
  weightDecay: number;
  epochs: number;
  methods: MethodId[];
  /** K: training samples removed one at a time (shared by all methods). */
  removals: number;
  /** Test samples whose loss change is measured. */
  testPoints: number;
  /** Test samples the iterative methods solve for (the engine's `explain`). */
  explain: number;
  /** L-BFGS iteration budget of every full-network retraining (baseline included). */
  retrainIterations: number;
  /** L-BFGS iteration budget for converging θ̂ before anything else. */
  convergeIterations: number;
  /** Removals re-measured with twice the retraining budget (ground-truth stability). */
  budgetCheck: number;
  /** Removals re-measured from a slightly perturbed θ̂ (test–retest of the ground truth). */
  retestCheck: number;
  seed: number;
}

export interface Correlation {
  pearson: number;
  spearman: number;
  points: number;
}

export interface MethodResult {
  id: MethodId;
  /** What the engine says it did (reason string). */
  reason: string;
  target: 'last-layer' | 'full';
  /**
   * The influence stage, wall seconds (exact and tracin score every test sample; iterative methods `explain` of them).
   */
  seconds: number;
  /** Test samples scored (all for exact/tracin). */
  scoredTests: number;
  damping: number;
  details: Record<string, number | string | boolean>;
  /** Every predicted value used here is finite. */
  finite: boolean;
  /** Against retraining of the model the method describes (last layer on frozen features, or the whole network). */
  own: Correlation;
  /** Against full-network retraining (null for logreg, where the two are the same). */
  full: Correlation | null;
  /**
   * The engine's own reliability check (runReliabilityCheck: own removals and test points); last-layer methods only.
   */
  engineVerify: (Correlation & { tests: number[] }) | null;
  /** infl(i, t) for the shared pairs, in the order of ConfigResult.pairs. */
  predicted: number[];
  /** Failure message if the method could not run. */
  error?: string;
}

export interface Pair {
  train: number;
  test: number;
  /** Change of test loss after retraining the last layer without `train` (frozen features). */
  actualLastLayer: number;
  /** Change after retraining the whole network without `train` (null for logreg). */
  actualFull: number | null;
}

export interface RetrainStats {
  count: number;
  meanIterations: number;
  meanGradNorm: number;
  maxGradNorm: number;
  seconds: number;
}

export interface GroundTruthCheck {
  /** Pearson between the Δloss measured twice (budget B vs 2B, or θ̂ vs θ̂ + noise). */
  pearson: number;
  /** RMS of the difference / RMS of the first measurement. */
  relativeRmsDifference: number;
  points: number;
}

export interface ConfigResult {
  spec: ConfigSpec;
  dataDescription: string;
  nTrain: number;
  nTest: number;
  parameters: number;
  headParameters: number;
  trainAccuracy: number;
  testAccuracy: number;
  converge: { iterations: number; meanGradNorm: number; seconds: number; objective: number } | null;
  headMeanGradNorm: number;
  headDamping: number;
  tests: number[];
  removed: number[];
  pairs: Pair[];
  methods: MethodResult[];
  retrain: { lastLayer: RetrainStats; full: RetrainStats | null };
  budgetCheck: GroundTruthCheck | null;
  retestCheck: GroundTruthCheck | null;
  timings: Record<string, number>;
  totalSeconds: number;
}
