/**
 * Worker thread entry: runs TrainTasks sent by the pool, one at a time, or those it claims beside the engine's thread
 * (trainBeside.ts), or serves network products (serveProducts.ts) or dense matrix products (serveMatrices.ts).
 */
import { parentPort } from 'node:worker_threads';
import { claimNext } from './claims';
import { readWorkerRequest, type TrainTask, type WorkerResponse } from './messages';
import { runTrainTask } from './runTrainTask';
import { serveMatrices } from './serveMatrices';
import { serveProducts } from './serveProducts';

if (!parentPort) throw new Error('worker.ts must run inside a worker thread');
const port = parentPort;

function send(message: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Trains one task and answers with its result or its failure; false when it failed. */
async function train(task: TrainTask): Promise<boolean> {
  try {
    send(await runTrainTask(task, (progress) => send({ type: 'progress', taskId: task.taskId, progress })));
    return true;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    send({ type: 'failed', taskId: task.taskId, name: e.name, message: e.message, stack: e.stack });
    return false;
  }
}

/** The tasks this worker takes from the shared counter (trainClaims), one after another, until none is left. */
async function trainClaimed(tasks: TrainTask[], claims: Int32Array): Promise<void> {
  for (let i = claimNext(claims); i < tasks.length; i = claimNext(claims)) {
    if (!(await train(tasks[i]))) return;
  }
}

port.on('message', async (raw: unknown) => {
  const request = readWorkerRequest(raw);
  if ('failed' in request) return send(request.failed);
  if (request.type === 'products') return serveProducts(request);
  if (request.type === 'matrices') return serveMatrices(request);
  if (request.type === 'trainClaims') return trainClaimed(request.tasks, request.claims);
  await train(request);
});
