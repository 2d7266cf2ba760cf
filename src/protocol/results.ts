/**
 * The results file as a checked contract (DESIGN.md §3): the engine writes
 * it, the CLI prints it, the host reads it back from disk, the webview shows
 * parts of it. Every reader that takes it from a file checks it here first,
 * so a damaged or foreign file is "made by another version: re-run", never a
 * half-rendered panel. The types are derived from the checkers, so the two
 * cannot drift apart. Fields may be added, never renamed; a breaking change
 * bumps SCHEMA_VERSION. Browser-safe (no Node imports).
 */
import {
  anyOf,
  arrayOf,
  bool,
  type Checked,
  measure,
  nonNegInt,
  nullable,
  num,
  object,
  oneOf,
  optional,
  recordOf,
  str,
} from './check';

export const SCHEMA_VERSION = 1;

/** Labels kept per training sample in `rankedLabels`. */
export const RANKED_LABELS = 5;

export const DATASET_FORMATS = ['csv', 'imagefolder', 'jsonl'] as const;
export const MODEL_KINDS = ['logreg', 'mlp', 'cnn'] as const;
export const INFLUENCE_METHODS = ['exact', 'cg', 'lissa', 'tracin', 'gif'] as const;
export type InfluenceMethod = (typeof INFLUENCE_METHODS)[number];

const checkSource = object({
  /** Path relative to the dataset root, with forward slashes. */
  path: str,
  /** 1-based line where the record starts (text formats). */
  line: optional(nonNegInt),
  /** 0-based data row within `path` (text formats; header excluded). */
  row: optional(nonNegInt),
  /** Fingerprint of the record's text (text formats; src/compute/data/recordDigest.ts). */
  digest: optional(str),
});

const checkInfluenceEntry = object({
  /** Index into `train` by id. */
  train: nonNegInt,
  /** infl(i, t) = g_tᵀ H⁻¹ g_i: predicted change of the test loss if the training sample were removed. */
  influence: measure,
});
export type InfluenceEntry = Checked<typeof checkInfluenceEntry>;

/**
 * Per-sample data-issue scores (issue 17), on train and test records; absent in files written without the issues pass.
 */
const sampleIssueFields = {
  /** issues.outliers.definition; higher = more atypical. */
  outlierScore: optional(measure),
  /** outlierScore ≥ issues.outliers.cut. */
  outlier: optional(bool),
  /** Index into issues.duplicates.sets. */
  duplicateSet: optional(nonNegInt),
  /**
   * Distance to the nearest other sample in feature space, over the median between training samples (0 = identical).
   */
  nearestDistance: optional(measure),
};

const checkTrainRecord = object({
  id: nonNegInt,
  source: checkSource,
  label: str,
  /** The trained model's prediction (in-sample). */
  predicted: str,
  /** Out-of-sample argmax from k-fold cross-fitting. */
  suggestedLabel: str,
  /** Out-of-sample probability of the suggested label. */
  suggestedProbability: measure,
  /** Out-of-sample probability of the given label. */
  givenLabelProbability: measure,
  /** The most probable labels out of sample, highest first (at most RANKED_LABELS); absent in older files. */
  rankedLabels: optional(arrayOf(object({ label: str, probability: measure }))),
  /** Out-of-sample p(given) − max p(other), in [−1, 1]; negative = the held-out model prefers another label. */
  outOfSampleMargin: measure,
  /** Training cross-entropy at θ̂. */
  loss: measure,
  selfInfluence: measure,
  /** In [0, 1]; higher = more likely mislabeled. */
  suspicion: measure,
  /** Whether the confident-learning estimate counts this sample among the likely label errors. */
  likelyLabelIssue: bool,
  /** Raw record values for display (tabular/text), absent for images. */
  preview: optional(str),
  ...sampleIssueFields,
  /**
   * Σ over every test sample of infl(i, t), exact over the head: the predicted change of the total
   * test loss if this sample were removed. Negative = harmful to the test set. Absent without the issues pass.
   */
  testInfluence: optional(measure),
  /** Share of the other members of its duplicate set with another label, in [0, 1] (issues/labelConflict.ts). */
  duplicateLabelConflict: optional(measure),
});
export type TrainRecord = Checked<typeof checkTrainRecord>;

const checkTestRecord = object({
  id: nonNegInt,
  source: checkSource,
  label: str,
  predicted: str,
  loss: measure,
  /**
   * Test labels are never trained on, so the trained model's probabilities are out of sample for them: the same
   * suspicion as training samples get from their core (out-of-sample confidence and margin), in [0, 1]. Absent in older
   * files.
   */
  suspicion: optional(measure),
  /** The model's most probable class for this test sample (absent in older files). */
  suggestedLabel: optional(str),
  /** Whether its suspicion is among the top estimated share of label errors (the training estimate's rate). */
  likelyLabelIssue: optional(bool),
  /** Largest positive influence first: training samples that helped this prediction. */
  proponents: arrayOf(checkInfluenceEntry),
  /** Most negative influence first: training samples that hurt it. */
  opponents: arrayOf(checkInfluenceEntry),
  preview: optional(str),
  ...sampleIssueFields,
});
export type TestRecord = Checked<typeof checkTestRecord>;

/** Influence measured against actual retraining on this dataset (DESIGN.md §2). */
const checkReliability = object({
  pearson: measure,
  spearman: measure,
  points: nonNegInt,
  retrain: oneOf(['last-layer', 'full'] as const),
  /** The tfjs backend the whole-network retrainings ran on (absent for last-layer refits). */
  retrainBackend: optional(str),
  testSamples: arrayOf(nonNegInt),
  /** (predicted, actual) change of test loss per removed training sample and test sample: the scatter plot. */
  pairs: arrayOf(object({ train: nonNegInt, test: nonNegInt, predicted: measure, actual: measure })),
  warning: optional(str),
});
export type Reliability = Checked<typeof checkReliability>;

const checkSampleRef = object({ split: oneOf(['train', 'test'] as const), id: nonNegInt });

/** The remove-and-retrain check: refit without the most harmful samples, predicted next to actual. */
const checkRemoval = object({
  /** Training ids removed, most harmful first. */
  removed: arrayOf(nonNegInt),
  /** Change of the TOTAL test loss: Σ of the removed samples' testInfluence, and measured. */
  predictedLossChange: measure,
  actualLossChange: measure,
  /** Mean test loss before, predicted after, measured after. */
  testLossBefore: measure,
  predictedTestLossAfter: measure,
  testLossAfter: measure,
  accuracyBefore: measure,
  accuracyAfter: measure,
  /** What was refitted (the head on frozen features). */
  retrain: oneOf(['last-layer'] as const),
});
export type RemovalCheck = Checked<typeof checkRemoval>;

/** Data issues beyond labels (issue 17). */
const checkIssues = object({
  counts: object({
    labelIssues: nonNegInt,
    duplicateSets: nonNegInt,
    /** Samples (train and test) in some duplicate set. */
    duplicateSamples: nonNegInt,
    /** Test samples with a duplicate in the training set. */
    leakedTestSamples: nonNegInt,
    /** Duplicate sets whose members carry different labels. */
    labelConflictSets: nonNegInt,
    trainOutliers: nonNegInt,
    testOutliers: nonNegInt,
    /** Training samples whose removal is predicted to lower the total test loss. */
    harmful: nonNegInt,
    underrepresentedClasses: nonNegInt,
  }),
  duplicates: object({
    /** Near-duplicate cut, as a multiple of the median nearest-neighbour distance. */
    cut: num,
    medianNeighbourDistance: measure,
    /** How the neighbour search ran. */
    search: str,
    /** Whether exact duplicates were found by content fingerprints (file bytes, normalised record text). */
    fingerprints: bool,
    sets: arrayOf(
      object({
        members: arrayOf(checkSampleRef),
        exact: bool,
        leakage: bool,
        labelConflict: bool,
        /** Largest distance from the first member, relative to the median nearest-neighbour distance. */
        maxDistance: measure,
      }),
    ),
  }),
  outliers: object({ k: nonNegInt, cut: num, definition: str }),
  harmful: object({
    definition: str,
    /** How H⁻¹ was applied: the fit's Cholesky factor or conjugate gradients. */
    solver: str,
    /** Most harmful first (most negative testInfluence), at most ISSUE_LIST entries. */
    harmful: arrayOf(checkInfluenceEntry),
    /** Most helpful first. */
    helpful: arrayOf(checkInfluenceEntry),
    removal: nullable(checkRemoval),
  }),
  classes: arrayOf(
    object({
      label: str,
      train: nonNegInt,
      test: nonNegInt,
      trainShare: measure,
      underrepresented: bool,
      labelIssues: nonNegInt,
      outliers: nonNegInt,
      duplicates: nonNegInt,
      /** Training samples of the class flagged by any kind, over its training samples. */
      issueShare: measure,
    }),
  ),
  /** Class pairs most confused out of sample (given label vs out-of-sample argmax, both ways). */
  confusedPairs: arrayOf(object({ a: str, b: str, count: nonNegInt })),
});
export type IssuesSection = Checked<typeof checkIssues>;

/** Entries kept in the harmful and helpful lists of the results file. */
export const ISSUE_LIST = 200;

const checkTimings = object({
  loadSeconds: num,
  trainSeconds: num,
  influenceSeconds: num,
  totalSeconds: num,
  /** Finer breakdown (featurize, crossfit, hessian, …) for the benchmark report. */
  stages: recordOf(num),
});
export type StageTimings = Checked<typeof checkTimings>;

/** Where the features came from when they are the user's (issue 15): an ONNX model file or precomputed embeddings. */
export const checkFeatureSource = object({
  kind: oneOf(['onnx', 'embeddings'] as const),
  /** The model file, or the file(s) the embeddings came from, as the user named them. */
  file: str,
  /** One line: "columns 'emb_*' of train.csv", "output 'pool' of model.onnx". */
  description: str,
  /** The graph tensor used as the embedding (ONNX). */
  embeddingOutput: optional(str),
  embeddingDim: nonNegInt,
  /** The ONNX Runtime that ran the model ("onnxruntime-node 1.30.0 (cpu)"). */
  runtime: optional(str),
  /** True when the head started from the model's own final layer. */
  headFromModel: bool,
  /** ‖W_refit − W_model‖ / ‖W_model‖ over the final layer (weights and bias); null without a model head. */
  headRelativeChange: nullable(num),
  /**
   * Fraction of samples (train and test) on which the refitted head predicts the class the user's model predicts; null
   * without a model head.
   */
  agreement: nullable(num),
  /** 'cross-fitted' (k folds of the head on the frozen features) or the user's probabilities file. */
  outOfSample: str,
});
export type FeatureSource = Checked<typeof checkFeatureSource>;

const checkResults = object({
  schemaVersion: oneOf([SCHEMA_VERSION] as const),
  createdAt: str,
  engine: object({ version: str, backend: str, backendWarning: optional(str), workers: nonNegInt }),
  dataset: object({
    root: str,
    format: oneOf(DATASET_FORMATS),
    labelColumn: str,
    classes: arrayOf(str),
    nTrain: nonNegInt,
    nTest: nonNegInt,
    testSource: str,
    /**
     * The separate test file (or folder) the test set came from, relative to `root`; absent for a split column or a
     * hold-out.
     */
    testPath: optional(str),
    dims: nonNegInt,
    warnings: arrayOf(str),
  }),
  model: object({
    kind: oneOf(MODEL_KINDS),
    parameters: nonNegInt,
    targetParameters: nonNegInt,
    weightDecay: num,
    /** null when the split is empty. */
    trainAccuracy: nullable(num),
    testAccuracy: nullable(num),
    hidden: arrayOf(nonNegInt),
    epochs: nonNegInt,
    seed: num,
    /** ‖∇R(θ̂)‖/n over the target parameters: how close to the optimum influence was computed. */
    headGradientNorm: measure,
    /**
     * The user's model or embeddings, when the features are not from a model trained here (kind is then 'logreg': a
     * softmax head on them).
     */
    source: optional(checkFeatureSource),
    /**
     * With --model auto: which model was chosen and why (cross-fitted log-loss of each candidate). Absent otherwise.
     */
    reason: optional(str),
  }),
  influence: object({
    method: oneOf(INFLUENCE_METHODS),
    /** Why this method was chosen (for `auto`). */
    reason: str,
    /** Damping δ added to the Hessian (summed objective). */
    damping: measure,
    /** λ of the summed objective, n·weightDecay. */
    l2: num,
    /** The parameters influence is computed over. */
    target: oneOf(['last-layer', 'full'] as const),
    /** How self-influence was computed (not always by `method`; see DESIGN.md §2). */
    selfInfluenceMethod: str,
    topK: nonNegInt,
    /** Test ids that have proponents/opponents; null = all. */
    explained: nullable(arrayOf(nonNegInt)),
    /** Solver diagnostics: iterations, residuals, LiSSA scale, |J| … */
    details: recordOf(anyOf(measure, str, bool)),
    /**
     * cg, lissa, gif: how each explained test sample's solve ended — its iterations, the relative residual reached,
     * and `cutShort` when the solverSeconds budget stopped it before its tolerance. Absent for the other methods.
     */
    solves: optional(
      arrayOf(
        object({
          test: nonNegInt,
          iterations: nonNegInt,
          relativeResidual: measure,
          converged: bool,
          /** gif: the least-squares optimality ‖Mᵀ(g − Mx)‖/‖Mᵀg‖ (relativeResidual is its misfit, > 0 by nature). */
          normalResidual: optional(measure),
          cutShort: optional(bool),
        }),
      ),
    ),
    reliability: nullable(checkReliability),
  }),
  labelIssues: object({
    estimatedCount: nonNegInt,
    folds: nonNegInt,
    /** Calibrated confident joint, rows = given label, columns = estimated true label. */
    confidentJoint: arrayOf(arrayOf(measure)),
    /**
     * The count's likely range (bootstrap 10th–90th percentile; src/compute/mislabel/count.ts); absent in older files.
     */
    estimatedRange: optional(object({ low: nonNegInt, high: nonNegInt })),
    /** Which estimator gave estimatedCount (chosen by the benchmark); absent in older files. */
    countEstimator: optional(str),
    /** How `suspicion` was made on this dataset: one sentence, and each signal's share; absent in older files. */
    suspicion: optional(
      object({
        explanation: str,
        signals: arrayOf(
          object({
            name: str,
            weight: measure,
            role: oneOf(['core', 'checked'] as const),
            agreement: nullable(measure),
            /** An evidence signal's floor: a flagged sample scores at least this (mislabel/suspicion.ts). */
            floor: optional(measure),
          }),
        ),
        /**
         * How the core's mix of out-of-sample self-confidence and margin was chosen on this dataset: how much the
         * likely errors concentrate on one class per label, against the model's own doubt (mislabel/calibrate.ts;
         * null: not read). Absent in older files.
         */
        calibration: optional(
          object({
            selfConfidenceShare: measure,
            likelyErrors: nonNegInt,
            errorConcentration: nullable(measure),
            doubtConcentration: nullable(measure),
          }),
        ),
      }),
    ),
  }),
  /** Absent in files written before issue 17 or with the issues pass off. */
  issues: optional(checkIssues),
  train: arrayOf(checkTrainRecord),
  test: arrayOf(checkTestRecord),
  timings: checkTimings,
});
export type ResultsFile = Checked<typeof checkResults>;

/**
 * Checks a parsed results file; throws a ProtocolError naming the first field that is not as this version writes it.
 */
export function checkResultsFile(value: unknown, path = 'results'): ResultsFile {
  return checkResults(value, path);
}
