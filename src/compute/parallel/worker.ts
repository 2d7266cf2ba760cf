/**
 * Worker thread entry: runs TrainTasks sent by the pool, one at a time, or serves network products
 * (serveProducts.ts) or dense matrix products (serveMatrices.ts).
 */
import { parentPort } from 'node:worker_threads';
import { readWorkerRequest, type WorkerResponse } from './messages';
import { runTrainTask } from './runTrainTask';
import { serveMatrices } from './serveMatrices';
import { serveProducts } from './serveProducts';

if (!parentPort) throw new Error('worker.ts must run inside a worker thread');
const port = parentPort;

function send(message: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

port.on('message', async (raw: unknown) => {
  const request = readWorkerRequest(raw);
  if ('failed' in request) return send(request.failed);
  if (request.type === 'products') return serveProducts(request);
  if (request.type === 'matrices') return serveMatrices(request);
  try {
    const done = await runTrainTask(request, (progress) =>
      send({ type: 'progress', taskId: request.taskId, progress }),
    );
    send(done);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    send({ type: 'failed', taskId: request.taskId, name: e.name, message: e.message, stack: e.stack });
  }
});
