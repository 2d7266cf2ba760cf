/**
 * A small pool of worker threads that train networks in parallel. Cancelling
 * terminates the workers outright: tfjs work cannot be interrupted from the
 * outside, and a terminated thread frees its wasm heap at once.
 */
import type { Worker } from 'node:worker_threads';
import { CancelledError } from '../errors';
import type { TrainProgress } from '../models/types';
import { dropSpareRows } from '../models/taskRows';
import { readWorkerResponse, type TrainDone, type TrainTask, type WorkerResponse } from './messages';
import { runTrainTask } from './runTrainTask';
import { startWorker } from './startWorker';

export interface PoolOptions {
  workers: number;
  signal?: AbortSignal;
  onProgress?: (taskId: number, progress: TrainProgress) => void;
  /** After each finished task: how many are done of how many (retraining tasks report nothing else). */
  onTaskDone?: (done: number, total: number) => void;
}

/**
 * Runs every task and resolves with their results in task order. With one
 * worker the tasks run in this thread (no copy of the data, and it is the
 * path that works even where worker_threads cannot load the engine).
 */
export async function runTrainTasks(tasks: TrainTask[], options: PoolOptions): Promise<TrainDone[]> {
  if (options.workers <= 1 || tasks.length <= 1) {
    const results: TrainDone[] = [];
    try {
      for (const task of tasks) {
        results.push(await runTrainTask(task, (p) => options.onProgress?.(task.taskId, p), options.signal));
        options.onTaskDone?.(results.length, tasks.length);
      }
    } finally {
      dropSpareRows();
    }
    return results;
  }
  const results = new Array<TrainDone>(tasks.length);
  const queue = tasks.map((task, index) => ({ task, index }));
  const workers: Worker[] = [];
  /** Workers we stopped on purpose: their non-zero exit code is not a crash. */
  const retired = new Set<Worker>();

  return new Promise<TrainDone[]>((resolve, reject) => {
    let finished = false;
    let remaining = tasks.length;
    const stopAll = () => {
      for (const w of workers) void w.terminate();
    };
    const fail = (error: Error) => {
      if (finished) return;
      finished = true;
      stopAll();
      reject(error);
    };
    const onAbort = () => fail(new CancelledError());
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const startNext = (worker: Worker) => {
      const next = queue.shift();
      if (!next) {
        retired.add(worker);
        void worker.terminate();
        return;
      }
      const onMessage = (raw: unknown) => {
        let message: WorkerResponse;
        try {
          message = readWorkerResponse(raw);
        } catch (error) {
          worker.off('message', onMessage);
          fail(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        // taskId -1: the worker could not read which task it was given (readWorkerRequest); it is this one.
        const forThisTask = message.taskId === next.task.taskId || (message.type === 'failed' && message.taskId === -1);
        if (!forThisTask) return;
        if (message.type === 'progress') {
          options.onProgress?.(message.taskId, message.progress);
          return;
        }
        worker.off('message', onMessage);
        if (message.type === 'failed') {
          const error = new Error(message.message);
          error.name = message.name;
          error.stack = message.stack;
          fail(error);
          return;
        }
        results[next.index] = message;
        remaining--;
        options.onTaskDone?.(tasks.length - remaining, tasks.length);
        if (remaining === 0 && !finished) {
          finished = true;
          options.signal?.removeEventListener('abort', onAbort);
          stopAll();
          resolve(results);
        } else {
          startNext(worker);
        }
      };
      worker.on('message', onMessage);
      worker.postMessage(next.task);
    };

    const count = Math.min(options.workers, tasks.length);
    for (let w = 0; w < count; w++) {
      const worker = startWorker();
      worker.on('error', (error) => fail(error));
      worker.on('exit', (code) => {
        if (!finished && !retired.has(worker) && code !== 0)
          fail(new Error(`a training worker exited with code ${code}`));
      });
      workers.push(worker);
      startNext(worker);
    }
  });
}
