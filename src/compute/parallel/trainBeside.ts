/**
 * A small training job on this thread with a ready worker beside it. The pool (pool.ts) would send every task to
 * workers, paying their start; this thread alone (pool.ts with one worker) leaves the other core idle. Here this
 * thread trains the first task (the model itself) while the worker takes the others from a counter in shared memory
 * (Atomics.add); then this thread takes from the same counter. Each task is trained once, by whichever thread is free
 * when it comes up, with the same code on the same backend: the same bytes on either thread. A worker still starting
 * (a loaded machine) has claimed nothing, so this thread never waits for one that has not begun: at worst the job
 * takes as long as on this thread alone, plus the one task the worker is on.
 *
 * `afterFirst` is work for this thread once the first task is trained that does not need the others (fit.ts: the
 * head stage, while the cross-fitting models train): the worker goes on meanwhile, where before it idled through the
 * head stage after the last fold. Afterwards an idle worker goes back to be the next startWorker()'s (the issues
 * pass's helper); a busy one stops.
 */
import { throwIfAborted } from '../cancel';
import { dropSpareRows } from '../models/taskRows';
import { readWorkerResponse, type TrainClaimsTask, type TrainDone, type TrainTask } from './messages';
import type { PoolOptions } from './pool';
import { claimNext, sharedClaims, stopClaims } from './claims';
import { runTrainTask } from './runTrainTask';
import { keepAsSpare, startWorker } from './startWorker';

export interface BesideOptions extends Pick<PoolOptions, 'signal' | 'onProgress'> {
  /** Runs on this thread after the first task is trained, before it takes another; the worker trains meanwhile. */
  afterFirst?: (first: TrainDone) => void;
}

export interface BesideResult {
  /** Each task's result, in task order. */
  done: TrainDone[];
  /** How many of them the worker trained. */
  byWorker: number;
}

export async function runTrainTasksBeside(tasks: TrainTask[], options: BesideOptions = {}): Promise<BesideResult> {
  const results = new Array<TrainDone | undefined>(tasks.length);
  if (tasks.length === 0) return { done: [], byWorker: 0 };
  const { signal } = options;
  const indexOf = new Map(tasks.map((t, i) => [t.taskId, i]));
  // Task 0 is this thread's; both threads claim the others from here.
  const claims = sharedClaims(1);
  const mine = new Set<number>([0]);
  const worker = startWorker();
  let failure: Error | undefined;
  /** The worker stopped (a crash): what it claimed and did not answer is trained here. */
  let gone = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  const onMessage = (raw: unknown) => {
    try {
      const message = readWorkerResponse(raw);
      if (message.type === 'failed') {
        failure = Object.assign(new Error(message.message), { name: message.name, stack: message.stack });
      } else {
        const i = indexOf.get(message.taskId);
        if (i === undefined || mine.has(i)) return;
        if (message.type === 'progress') return options.onProgress?.(message.taskId, message.progress);
        results[i] ??= message;
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    notify();
  };
  const onError = (error: Error) => {
    failure = error;
    notify();
  };
  const onExit = () => {
    gone = true;
    notify();
  };
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  signal?.addEventListener('abort', notify, { once: true });

  /** Trains task i here, then lets the worker's replies through before this thread goes on. */
  const trainHere = async (i: number) => {
    mine.add(i);
    const task = tasks[i];
    results[i] = await runTrainTask(task, (p) => options.onProgress?.(task.taskId, p), signal);
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  /** The first task the worker claimed and has not answered. */
  const outstanding = () => {
    const claimed = Math.min(Atomics.load(claims, 0), tasks.length);
    for (let i = 1; i < claimed; i++) if (!mine.has(i) && !results[i]) return i;
    return undefined;
  };

  try {
    worker.postMessage({ type: 'trainClaims', tasks, claims } satisfies TrainClaimsTask);
    await trainHere(0);
    options.afterFirst?.(results[0]!);
    for (let i = claimNext(claims); i < tasks.length; i = claimNext(claims)) {
      if (failure) throw failure;
      throwIfAborted(signal);
      await trainHere(i);
    }
    for (let i = outstanding(); i !== undefined; i = outstanding()) {
      if (failure) throw failure;
      throwIfAborted(signal);
      if (gone) await trainHere(i);
      else await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure) throw failure;
  } catch (error) {
    stopClaims(claims);
    throw error;
  } finally {
    dropSpareRows();
    signal?.removeEventListener('abort', notify);
    worker.off('message', onMessage);
    worker.off('error', onError);
    worker.off('exit', onExit);
    if (outstanding() === undefined && !failure) keepAsSpare(worker);
    else void worker.terminate();
  }
  return { done: results as TrainDone[], byWorker: tasks.length - mine.size };
}
