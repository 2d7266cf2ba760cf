/** The wire between analyzeInWorker (main thread) and the analysis worker thread. */
import type { AnalyzeRun } from '../pipeline/analyze';
import type { Progress } from '../pipeline/options';
import type { ResultsOverview } from './resultsOverview';

/** What the worker is started with: the options minus what cannot cross a thread, plus the shared cancel flag. */
export interface AnalysisWorkerData {
  options: Omit<AnalyzeRun, 'signal' | 'onProgress' | 'onFitCache'>;
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
  /** A line for the log: whether the saved fit was reused (AnalyzeRun.onFitCache). */
  | { type: 'fitCache'; line: string }
  /**
   * The results as the text of the results file, UTF-8 encoded and transferred (not copied): both callers write that
   * text, and one buffer crosses the thread far cheaper than the object graph, which the main thread then stringified
   * again (on the digits CSV, a 2 MB file: ~35 ms to rebuild the objects, ~45 ms per JSON.stringify on the main
   * thread, twice with the CLI's --json). As bytes rather than a string it is neither copied twice on the way (a
   * 2 MB string took ~70 ms to post) nor encoded again for each write (~30 ms for the file and as much for stdout).
   * Beside them, the little the callers read of the results (resultsOverview.ts), so that no caller parses the bytes
   * back to an object for its summary.
   */
  | { type: 'done'; json: Uint8Array; overview: ResultsOverview }
  | { type: 'failed'; error: SerializedError };

/** 'start': the options of a thread started before they were known (startAnalysisThreadEarly), which waits for them. */
export type AnalysisHostMessage = { type: 'cancel' } | { type: 'start'; data: AnalysisWorkerData };
