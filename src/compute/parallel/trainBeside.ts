/**
 * A small training job on this thread with a ready worker beside it. The pool (pool.ts) would send every task to
 * workers, paying their start; this thread alone (pool.ts with one worker) leaves the other core idle. Here this
 * thread runs tasks from the front of the queue while the worker takes them from the back, one at a time, as it
 * frees up. This thread never waits for the worker: when it runs out of tasks while the worker's is still out, it
 * runs that one too and keeps whichever result comes first (the same code on the same backend gives the same
 * bytes on either thread). So the job takes at most as long as on this thread alone; the worker only shortens it.
 * Afterwards an idle worker goes back to be the next startWorker()'s (the issues pass's helper); a busy one stops.
 */
import { CancelledError } from '../errors';
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

  const give = () => {
    if (out !== undefined || failure || front > back) return;
    out = back--;
    worker.postMessage(tasks[out]);
  };
  const onMessage = (raw: unknown) => {
    let message;
    try {
      message = readWorkerResponse(raw);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      return;
    }
    if (out === undefined) return;
    const task = tasks[out];
    if (message.taskId !== task.taskId && !(message.type === 'failed' && message.taskId === -1)) return;
    if (message.type === 'progress') return options.onProgress?.(task.taskId, message.progress);
    if (message.type === 'failed') {
      failure = Object.assign(new Error(message.message), { name: message.name, stack: message.stack });
    } else {
      results[out] ??= message;
      out = undefined;
      give();
    }
  };
  const onError = (error: Error) => {
    failure = error;
  };
  worker.on('message', onMessage);
  worker.on('error', onError);

  try {
    give();
    for (;;) {
      if (failure) throw failure;
      if (options.signal?.aborted) throw new CancelledError();
      // This thread's next task: the front of the queue, else the one the worker still has.
      const next = front <= back ? front++ : out !== undefined && !results[out] ? out : undefined;
      if (next === undefined) break;
      const task = tasks[next];
      const done = await runTrainTask(task, (p) => options.onProgress?.(task.taskId, p), options.signal);
      results[next] ??= done;
      // Let the worker's reply (and its next task) through before this thread takes another.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    worker.off('message', onMessage);
    worker.off('error', onError);
    if (out === undefined && !failure) keepAsSpare(worker);
    else void worker.terminate();
  }
  return results as TrainDone[];
}
