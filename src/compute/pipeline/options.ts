/**
 * What an analysis needs to know, with documented defaults. The CLI, the
 * extension's settings and the benchmarks all build one of these.
 */
import type { BackendName } from '../tf/backend';
import type { ModelKind } from '../types';

export type MethodChoice = 'auto' | 'exact' | 'cg' | 'lissa' | 'tracin' | 'gif';

export interface AnalyzeOptions {
  /** A CSV/TSV/JSONL file or an image folder. */
  datasetPath: string;
  /** A separate test file (same format). */
  testPath?: string;
  labelColumn?: string;
  /** Default: 'mlp'. */
  model?: ModelKind;
  /** Default: 'auto' (exact last-layer influence while the head has at most `maxExactParameters`, else cg). */
  method?: MethodChoice;
  /** Proponents and opponents kept per test sample. Default 10. */
  topK?: number;
  /** Cross-fitting folds for out-of-sample probabilities. Default 5; at least 2 and at most the training samples (validateRun.ts). */
  folds?: number;
  /** Seeds the split, initialisation, batch order and folds. Default 0. */
  seed?: number;
  /** Cap on the number of samples loaded (stratified subsample). */
  maxSamples?: number;
  /** Mean-loss weight decay. Default: the model's default. */
  weightDecay?: number;
  hidden?: number[];
  epochs?: number;
  /** Worker threads for training. Default: min(available cores, 2·…) — see resolveWorkers. */
  workers?: number;
  backend?: BackendName;
  /** Largest head (parameters) the exact method will factor. Default: predicted from the data (exactLimit.ts: exact when it is predicted to take ≤ 300 s and fit in memory). */
  maxExactParameters?: number;
  /** cg/lissa: influence over the last layer or the whole network. Default: the whole network when there is a body. */
  target?: 'last-layer' | 'full';
  /** cg/lissa/gif: how many test samples get proponents/opponents (each costs a solve). Default 50. */
  explain?: number;
  /** gif: fraction of neurons whose parameters form J. Default 0.1. */
  subsetFraction?: number;
  /** Reliability check: remove this many training samples one at a time and retrain. Default 0 (off). */
  verify?: number;
  /** Reliability check: test samples whose loss change is measured. Default 3. */
  verifyTestPoints?: number;
  /**
   * Converge the whole network with full-batch L-BFGS after Adam (slow). Full-network
   * influence assumes ∇R(θ̂) = 0 over every parameter; with it, the reliability
   * check of a full-network method retrains the whole network too.
   */
  converge?: boolean;
  /**
   * The most memory the analysis may take, MB: a run whose estimate
   * (memoryEstimate.ts) is larger is refused before training, naming the
   * option that would make it fit. Default: 75% of the free memory.
   */
  maxMemoryMB?: number;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export type Stage = 'load' | 'train' | 'converge' | 'features' | 'fit' | 'hessian' | 'influence' | 'verify' | 'ranking';

export interface Progress {
  stage: Stage;
  done: number;
  total: number;
  message?: string;
  /** Estimated seconds until the stage is done, from its pace so far (absent until there is one). */
  secondsLeft?: number;
}

export const DEFAULTS = {
  model: 'mlp' as ModelKind,
  method: 'auto' as MethodChoice,
  topK: 10,
  folds: 5,
  seed: 0,
  explain: 50,
  subsetFraction: 0.1,
  verifyTestPoints: 3,
};
