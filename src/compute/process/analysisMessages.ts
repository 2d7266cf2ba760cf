/** The wire between analyzeInWorker (main thread) and the analysis worker thread. */
import type { AnalyzeOptions, Progress } from '../pipeline/options';
import type { ResultsFile } from '../results/schema';

/** What the worker is started with: the options minus what cannot cross a thread, plus the shared cancel flag. */
export interface AnalysisWorkerData {
  options: Omit<AnalyzeOptions, 'signal' | 'onProgress'>;
  cancelFlag: Int32Array;
}

/** An error as it crosses the thread: InputError and CancelledError are rebuilt on the other side. */
export interface SerializedError {
  kind: 'input' | 'cancelled' | 'internal';
  name: string;
  message: string;
  stack?: string;
  file?: string;
  detail?: string;
  line?: number;
}

export type AnalysisWorkerMessage =
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; results: ResultsFile }
  | { type: 'failed'; error: SerializedError };

export type AnalysisHostMessage = { type: 'cancel' };
