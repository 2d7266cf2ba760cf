/**
 * A small training job on this thread with a ready worker beside it. The pool (pool.ts) would send every task to
 * workers, paying their start; this thread alone (pool.ts with one worker) leaves the other core idle. Here this
 * thread runs tasks from the front of the queue while the worker takes them from the back, one at a time, as it
 * frees up. When this thread runs out of tasks while the worker's is still out, it waits for the worker if the worker
 * has answered before (it is up and well into that task); else (the worker is still starting, as on a loaded machine)
 * it runs that task too and keeps whichever result comes first: the same code on the same backend gives the same
 * bytes on either thread. So the job takes about as long as on this thread alone at worst; the worker shortens it.
 * Afterwards an idle worker goes back to be the next startWorker()'s (the issues pass's helper); a busy one stops.
 */
import { CancelledError } from '../errors';
import { dropSpareRows } from '../models/taskRows';
import { readWorkerResponse, type TrainDone, type TrainTask } from './messages';
import type { PoolOptions } from './pool';
import { runTrainTask } from './runTrainTask';
import { keepAsSpare, startWorker } from './startWorker';

export async function runTrainTasksBeside(
  tasks: TrainTask[],
  options: Pick<PoolOptions, 'signal' | 'onProgress'>,
): Promise<TrainDone[]> {
  const results = new Array<TrainDone | undefined>(tasks.length);
  const worker = startWorker();
  let front = 0;
  let back = tasks.length - 1;
  /** The task the worker has, if any. */
  let out: number | undefined;
  let failure: Error | undefined;
  /** Tasks the worker has answered: once it has, it is up, and this thread may wait for its current one. */
  let answered = 0;
  let wake: (() => void) | undefined;
  /** The worker stopped (a crash): its task, if any, is run here. */
  let gone = false;

  const give = () => {
    if (out !== undefined || failure || gone || front > back) return;
    out = back--;
    worker.postMessage(tasks[out]);
  };
  const onMessage = (raw: unknown) => {
    let message;
    try {
      message = readWorkerResponse(raw);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      return wake?.();
    }
    if (out === undefined) return;
    const task = tasks[out];
    if (message.taskId !== task.taskId && !(message.type === 'failed' && message.taskId === -1)) return;
    if (message.type === 'progress') return options.onProgress?.(task.taskId, message.progress);
    if (message.type === 'failed') {
      failure = Object.assign(new Error(message.message), { name: message.name, stack: message.stack });
    } else {
      results[out] ??= message;
      answered++;
      out = undefined;
      give();
    }
    wake?.();
  };
  const onError = (error: Error) => {
    failure = error;
    wake?.();
  };
  const onExit = () => {
    gone = true;
    answered = 0;
    wake?.();
  };
  const onAbort = () => wake?.();
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    give();
    for (;;) {
      if (failure) throw failure;
      if (options.signal?.aborted) throw new CancelledError();
      const pending = out !== undefined && !results[out] ? out : undefined;
      if (front > back && pending !== undefined && answered > 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      // This thread's next task: the front of the queue, else the one the worker has not answered while starting.
      const next = front <= back ? front++ : pending;
      if (next === undefined) break;
      const task = tasks[next];
      const done = await runTrainTask(task, (p) => options.onProgress?.(task.taskId, p), options.signal);
      results[next] ??= done;
      // Let the worker's reply (and its next task) through before this thread takes another.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    dropSpareRows();
    options.signal?.removeEventListener('abort', onAbort);
    worker.off('message', onMessage);
    worker.off('error', onError);
    worker.off('exit', onExit);
    if (out === undefined && !failure) keepAsSpare(worker);
    else void worker.terminate();
  }
  return results as TrainDone[];
}
