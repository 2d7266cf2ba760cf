/**
 * analyze() on a worker thread, with the same signature, for the CLI and the
 * compute subprocess. The stages are long synchronous loops (a Cholesky
 * factorization, thousands of CG iterations); on the main thread they would
 * keep a SIGINT handler or an IPC 'cancel' from running for minutes. Here the
 * main thread stays free: on abort it raises a shared flag that the engine's
 * throwIfAborted checks see between blocks (milliseconds), and terminates the
 * thread if it has not stopped within `graceMs` (it always can: terminate
 * interrupts running JavaScript).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createSharedCancelFlag, raiseSharedCancelFlag } from '../cancel';
import { CancelledError, InputError } from '../errors';
import type { AnalyzeRun } from '../pipeline/analyze';
import type { ResultsFile } from '../results/schema';
import type { ResultsOverview } from './resultsOverview';
import { quietOnnxRuntime } from '../onnx/quietRuntime';
import { startBundleWorker } from './bundleWorker';
import type {
  AnalysisHostMessage,
  AnalysisWorkerData,
  AnalysisWorkerMessage,
  SerializedError,
} from './analysisMessages';

/** How long a cancelled analysis may take to stop on its own before its thread is terminated. */
export const CANCEL_GRACE_MS = 500;

/**
 * The bundled analysisWorker.js beside the running bundle (through its code cache: bundleWorker.ts), or the TypeScript
 * source through tsx (tests, benchmarks).
 */
function startWorker(workerData: AnalysisWorkerData | null): Worker {
  // Before the thread that may load ONNX Runtime starts: only this thread's environment reaches the library.
  quietOnnxRuntime();
  const bundled = path.join(__dirname, 'analysisWorker.js');
  if (existsSync(bundled)) return startBundleWorker(bundled, { workerData });
  const source = path.join(__dirname, 'analysisWorker.ts');
  // A bundle shipped without it (a packaging mistake) says so, rather than failing to load tsx.
  if (!existsSync(source))
    throw new Error(`${bundled} is missing: the analysis thread's bundle must sit beside ${path.basename(__filename)}`);
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true, workerData });
}

/** A thread started before its options were known, for the next analyzeInWorker. */
let early: Worker | undefined;

/**
 * Starts the analysis thread now, before the options are known (the CLI calls it before loading its own modules and
 * checking its arguments): its start — a new thread, then the 1.8 MB engine bundle — overlaps that work. The next
 * analyzeInWorker takes it and posts it the options. Unref'd until then: a command that fails its checks exits at
 * once, stopping the thread.
 */
export function startAnalysisThreadEarly(): void {
  if (early) return;
  try {
    early = startWorker(null);
  } catch {
    return; // analyzeInWorker says what is wrong when it starts one itself
  }
  early.unref();
  // Unheard until it is taken: a thread that failed meanwhile shows in threadId (−1), and a new one is started.
  early.on('error', () => {});
}

/** The early thread with the analysis's options, or a thread started with them. */
function analysisThread(data: AnalysisWorkerData): Worker {
  const ready = early;
  early = undefined;
  if (ready && ready.threadId !== -1) {
    ready.ref();
    ready.postMessage({ type: 'start', data } satisfies AnalysisHostMessage);
    return ready;
  }
  return startWorker(data);
}

function rebuild(error: SerializedError): Error {
  if (error.kind === 'cancelled') return new CancelledError();
  if (error.kind === 'input') return new InputError(error.file ?? '', error.detail ?? error.message, error.line);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}

/**
 * An analysis's answer: the results file's text as UTF-8 bytes (what is written), what the summaries read of it
 * (resultsOverview.ts), and the whole object, parsed only when read (the demo scores every record).
 */
export interface AnalysisAnswer {
  json: Uint8Array;
  overview: ResultsOverview;
  readonly results: ResultsFile;
}

function answerOf(json: Uint8Array, overview: ResultsOverview): AnalysisAnswer {
  let parsed: ResultsFile | undefined;
  return {
    json,
    overview,
    get results() {
      return (parsed ??= JSON.parse(new TextDecoder().decode(json)) as ResultsFile);
    },
  };
}

export function analyzeInWorker(options: AnalyzeRun, graceMs = CANCEL_GRACE_MS): Promise<AnalysisAnswer> {
  const { signal, onProgress, onFitCache, ...rest } = options;
  if (signal?.aborted) return Promise.reject(new CancelledError());
  const cancelFlag = createSharedCancelFlag();
  const worker = analysisThread({ options: rest, cancelFlag });
  return new Promise<AnalysisAnswer>((resolve, reject) => {
    let settled = false;
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (graceTimer) clearTimeout(graceTimer);
      // The engine's training workers and tfjs timers must not outlive the answer.
      void worker.terminate();
      outcome();
    };
    const onAbort = () => {
      raiseSharedCancelFlag(cancelFlag);
      worker.postMessage({ type: 'cancel' } satisfies AnalysisHostMessage);
      graceTimer = setTimeout(() => settle(() => reject(new CancelledError())), graceMs);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: AnalysisWorkerMessage) => {
      if (settled) return;
      if (message.type === 'progress') {
        if (!signal?.aborted) onProgress?.(message.progress);
      } else if (message.type === 'fitCache') {
        onFitCache?.(message.line);
      } else if (message.type === 'done') {
        // A result that arrives after the cancel is not wanted.
        settle(() =>
          signal?.aborted ? reject(new CancelledError()) : resolve(answerOf(message.json, message.overview)),
        );
      } else if (message.type === 'failed') {
        settle(() => reject(signal?.aborted ? new CancelledError() : rebuild(message.error)));
      }
    });
    worker.on('error', (error) => settle(() => reject(signal?.aborted ? new CancelledError() : error)));
    worker.on('exit', (code) =>
      settle(() =>
        reject(
          signal?.aborted
            ? new CancelledError()
            : new Error(`the analysis thread exited with code ${code} without a result`),
        ),
      ),
    );
  });
}
