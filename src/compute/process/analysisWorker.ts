/**
 * Worker-thread entry (bundled to dist/analysisWorker.js): runs one analyze()
 * for analyzeInWorker. The main thread stays free to see Ctrl-C or the host's
 * cancel while this thread is deep in a factorization; it raises the shared
 * flag, which the engine's throwIfAborted checks read between blocks.
 */
// First, so that the second thread starts before the engine's modules load.
import './earlyHelper';
import { parentPort, workerData } from 'node:worker_threads';
import { signalFromSharedFlag } from '../cancel';
import { CancelledError, InputError } from '../errors';
import { analyze } from '../pipeline/analyze';
import type {
  AnalysisHostMessage,
  AnalysisWorkerData,
  AnalysisWorkerMessage,
  SerializedError,
} from './analysisMessages';
import { resultsBytes } from './resultsBytes';
import { resultsOverview } from './resultsOverview';

if (!parentPort) throw new Error('analysisWorker must run inside a worker thread');
const port = parentPort;
const controller = new AbortController();

const send = (message: AnalysisWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

function serialize(error: unknown): SerializedError {
  if (error instanceof CancelledError) return { kind: 'cancelled', name: error.name, message: error.message };
  if (error instanceof InputError) {
    return {
      kind: 'input',
      name: error.name,
      message: error.message,
      file: error.file,
      detail: error.detail,
      line: error.line,
    };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { kind: 'internal', name: e.name, message: e.message, stack: e.stack };
}

let started = false;

function run(data: AnalysisWorkerData): void {
  if (started) return;
  started = true;
  analyze({
    ...data.options,
    signal: signalFromSharedFlag(data.cancelFlag, controller),
    onProgress: (progress) => send({ type: 'progress', progress }),
    onFitCache: (line) => send({ type: 'fitCache', line }),
  }).then(
    (results) => {
      // The bytes own their whole ArrayBuffer: it is handed to the main thread as is.
      const json = resultsBytes(results);
      send({ type: 'done', json, overview: resultsOverview(results) }, [json.buffer as ArrayBuffer]);
    },
    (error: unknown) => send({ type: 'failed', error: serialize(error) }),
  );
}

// While the engine awaits (training workers), a cancel message reaches it through the event loop too. A thread started
// early (startAnalysisThreadEarly) is given its options by a 'start' message; otherwise they came with it.
port.on('message', (message: AnalysisHostMessage) => {
  if (message?.type === 'cancel') controller.abort();
  else if (message?.type === 'start') run(message.data);
});
if (workerData) run(workerData as AnalysisWorkerData);
