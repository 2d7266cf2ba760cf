/**
 * What an analysis needs to know. The options themselves, their defaults and
 * their docs are declared once in src/protocol/options.ts; this adds
 * where the data is and the run's callbacks. The CLI, the extension's
 * settings and the benchmarks all build one of these.
 */
import { DEFAULTS, type EngineOptions } from '../options/derive';
import type { METHODS } from '../../protocol/options';
import type { ModelKind } from '../types';

export { DEFAULTS };

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

/** The pipeline's stages, in the order a run reaches them (the host's progress bar moves through them so). */
export const STAGES = [
  'load',
  'train',
  'converge',
  'features',
  'fit',
  'hessian',
  'neighbours',
  'influence',
  'ranking',
  'verify',
  'issues',
] as const;

export type Stage = (typeof STAGES)[number];

export interface Progress {
  stage: Stage;
  done: number;
  total: number;
  message?: string;
  /** Estimated seconds until the stage is done, from its pace so far (absent until there is one). */
  secondsLeft?: number;
}

/**
 * The model kind a run trains first: `auto` trains the MLP (and, on tables and text, logistic regression beside it).
 */
export function resolvedKind(options: Pick<AnalyzeOptions, 'model'>): ModelKind {
  const kind = options.model ?? DEFAULTS.model;
  return kind === 'auto' ? 'mlp' : kind;
}
