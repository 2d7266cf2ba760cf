/**
 * What an analysis needs to know, with documented defaults. The CLI, the
 * extension's settings and the benchmarks all build one of these.
 */
import type { BackendName } from '../tf/backend';
import type { ModelKind } from '../types';

export type MethodChoice = 'auto' | 'exact';

export interface AnalyzeOptions {
  /** A CSV/TSV/JSONL file or an image folder. */
  datasetPath: string;
  /** A separate test file (same format). */
  testPath?: string;
  labelColumn?: string;
  /** Default: 'mlp'. */
  model?: ModelKind;
  /** Default: 'auto' (exact last-layer influence while the head has at most `maxExactParameters`). */
  method?: MethodChoice;
  /** Proponents and opponents kept per test sample. Default 10. */
  topK?: number;
  /** Cross-fitting folds for out-of-sample probabilities. Default 5 (2 at least). */
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
  /** Largest head (parameters) the exact method will factor. Default 4000. */
  maxExactParameters?: number;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export type Stage = 'load' | 'train' | 'features' | 'fit' | 'hessian' | 'influence' | 'ranking';

export interface Progress {
  stage: Stage;
  done: number;
  total: number;
  message?: string;
}

export const DEFAULTS = {
  model: 'mlp' as ModelKind,
  method: 'auto' as MethodChoice,
  topK: 10,
  folds: 5,
  seed: 0,
  maxExactParameters: 4000,
};
