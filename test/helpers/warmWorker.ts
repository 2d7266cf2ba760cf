/**
 * A worker thread that has started and trained `task` (its tfjs up, its training code run once), handed to the next
 * startWorker(): under tsx a fresh worker takes seconds to start, so a test that needs one taking part warms it first.
 * Returns the worker (a test may stop it).
 */
import { readWorkerResponse, type TrainTask } from '../../src/compute/parallel/messages';
import type { Worker } from 'node:worker_threads';
import { keepAsSpare, startWorker } from '../../src/compute/parallel/startWorker';

export async function warmSpare(task: TrainTask): Promise<Worker> {
  const worker = startWorker();
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (raw: unknown) => {
      const message = readWorkerResponse(raw);
      if (message.type === 'trained') resolve();
      if (message.type === 'failed') reject(new Error(message.message));
    });
    worker.on('error', reject);
    worker.postMessage(task);
  });
  worker.removeAllListeners('message');
  worker.removeAllListeners('error');
  keepAsSpare(worker);
  return worker;
}
