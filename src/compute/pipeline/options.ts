/**
 * What an analysis needs to know. The options themselves, their defaults and
 * their docs are declared once in src/protocol/options.ts; this adds
 * where the data is and the run's callbacks. The CLI, the extension's
 * settings and the benchmarks all build one of these.
 */
import type { EngineOptions } from '../options/derive';
import type { METHODS } from '../../protocol/options';

export { DEFAULTS } from '../options/derive';

export type MethodChoice = (typeof METHODS)[number];

export interface AnalyzeOptions extends EngineOptions {
  /** A CSV/TSV/JSONL file or an image folder. */
  datasetPath: string;
  /** A separate test file (same format). */
  testPath?: string;
  labelColumn?: string;
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
