/**
 * The results file: the contract between engine, CLI, extension host and
 * webview (DESIGN.md §3). Fields may be added, never renamed; bump
 * `schemaVersion` only for a breaking change.
 */
import type { DatasetFormat, ModelKind, SourceRef } from '../types';

export const SCHEMA_VERSION = 1;

/** Labels kept per training sample in `rankedLabels`. */
export const RANKED_LABELS = 5;

export type InfluenceMethod = 'exact' | 'cg' | 'lissa' | 'tracin' | 'gif';

export interface InfluenceEntry {
  /** Index into `train` by id. */
  train: number;
  /** infl(i, t) = g_tᵀ H⁻¹ g_i: predicted change of the test loss if the training sample were removed. */
  influence: number;
}

export interface TrainRecord {
  id: number;
  source: SourceRef;
  label: string;
  /** The trained model's prediction (in-sample). */
  predicted: string;
  /** Out-of-sample argmax from k-fold cross-fitting. */
  suggestedLabel: string;
  /** Out-of-sample probability of the suggested label. */
  suggestedProbability: number;
  /** Out-of-sample probability of the given label. */
  givenLabelProbability: number;
  /**
   * The most probable labels out of sample, highest first (at most
   * RANKED_LABELS of them): what the panel's relabel picker offers first.
   * Absent in files from before it was added.
   */
  rankedLabels?: { label: string; probability: number }[];
  /** Out-of-sample p(given) − max p(other), in [−1, 1]; negative = the held-out model prefers another label. */
  outOfSampleMargin: number;
  /** Training cross-entropy at θ̂. */
  loss: number;
  selfInfluence: number;
  /** In [0, 1]; higher = more likely mislabeled. */
  suspicion: number;
  /** Whether the confident-learning estimate counts this sample among the likely label errors. */
  likelyLabelIssue: boolean;
  /** Raw record values for display (tabular/text), absent for images. */
  preview?: string;
}

export interface TestRecord {
  id: number;
  source: SourceRef;
  label: string;
  predicted: string;
  loss: number;
  /** Largest positive influence first: training samples that helped this prediction. */
  proponents: InfluenceEntry[];
  /** Most negative influence first: training samples that hurt it. */
  opponents: InfluenceEntry[];
  preview?: string;
}

/** Influence measured against actual retraining on this dataset (DESIGN.md §2). */
export interface Reliability {
  pearson: number;
  spearman: number;
  points: number;
  retrain: 'last-layer' | 'full';
  /** The tfjs backend the whole-network retrainings ran on (absent for last-layer refits, which are plain float64 JS). */
  retrainBackend?: string;
  testSamples: number[];
  /** (predicted, actual) change of test loss per removed training sample and test sample: the scatter plot. */
  pairs: { train: number; test: number; predicted: number; actual: number }[];
  warning?: string;
}

export interface StageTimings {
  loadSeconds: number;
  trainSeconds: number;
  influenceSeconds: number;
  totalSeconds: number;
  /** Finer breakdown (featurize, crossfit, hessian, …) for the benchmark report. */
  stages: Record<string, number>;
}

export interface ResultsFile {
  schemaVersion: number;
  createdAt: string;
  engine: { version: string; backend: string; backendWarning?: string; workers: number };
  dataset: {
    root: string;
    format: DatasetFormat;
    labelColumn: string;
    classes: string[];
    nTrain: number;
    nTest: number;
    testSource: string;
    /** The separate test file (or folder) the test set came from, relative to `root`; absent for a split column or a hold-out. */
    testPath?: string;
    dims: number;
    warnings: string[];
  };
  model: {
    kind: ModelKind;
    parameters: number;
    targetParameters: number;
    weightDecay: number;
    /** null when the split is empty. */
    trainAccuracy: number | null;
    testAccuracy: number | null;
    hidden: number[];
    epochs: number;
    seed: number;
    /** ‖∇R(θ̂)‖/n over the target parameters: how close to the optimum influence was computed. */
    headGradientNorm: number;
  };
  influence: {
    method: InfluenceMethod;
    /** Why this method was chosen (for `auto`). */
    reason: string;
    /** Damping δ added to the Hessian (summed objective). */
    damping: number;
    /** λ of the summed objective, n·weightDecay. */
    l2: number;
    /** The parameters influence is computed over. */
    target: 'last-layer' | 'full';
    /** How self-influence was computed (not always by `method`; see DESIGN.md §2). */
    selfInfluenceMethod: string;
    topK: number;
    /** Test ids that have proponents/opponents; null = all. */
    explained: number[] | null;
    /** Solver diagnostics: iterations, residuals, LiSSA scale, |J| … */
    details: Record<string, number | string | boolean>;
    reliability: Reliability | null;
  };
  labelIssues: {
    estimatedCount: number;
    folds: number;
    /** Calibrated confident joint, rows = given label, columns = estimated true label. */
    confidentJoint: number[][];
  };
  train: TrainRecord[];
  test: TestRecord[];
  timings: StageTimings;
}
