/** Starting an engine worker thread (worker.ts), for the training pool (pool.ts) and the synchronous helpers. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { startBundleWorker } from '../process/bundleWorker';

/**
 * A worker started ahead of need (prestartWorker), handed to the next startWorker(). Unref'd while it waits: an
 * unused spare must not keep a process alive.
 */
let spare: Worker | undefined;

/**
 * Starts a worker: the bundled worker.js beside dist/cli.js (through its
 * code cache: bundleWorker.ts), or, when the engine runs from its TypeScript
 * sources (tests, benchmarks), worker.ts through tsx's require hook. (Node 20 ignores `--import` in a worker's
 * execArgv, so the hook is installed by a small eval'd bootstrap instead.)
 * Hands out the prestarted spare when there is a live one.
 */
export function startWorker(): Worker {
  const ready = spare;
  spare = undefined;
  // threadId turns −1 once a thread has stopped (a crash while it waited): then a new one.
  if (ready && ready.threadId !== -1) {
    ready.off('error', ignore);
    ready.ref();
    return ready;
  }
  return launch();
}

/**
 * Starts the next worker now, so that its start (~0.2–0.3 s: the engine bundle, then tfjs) overlaps this thread's
 * work instead of being waited for when a helper or the training pool asks for one. On the digits CSV the issues
 * pass's neighbour search waited ~0.1 s for its helper to come up. One spare at most.
 */
export function prestartWorker(): void {
  if (hasSpare()) return;
  spare = launch();
  spare.unref();
  // Until it is handed out nobody listens; a failure to start shows in threadId (startWorker then starts another).
  spare.on('error', ignore);
}

/** Whether a started worker is waiting to be handed out (prestartWorker, keepAsSpare). */
export function hasSpare(): boolean {
  return spare !== undefined && spare.threadId !== -1;
}

/**
 * Keeps an idle worker (its tfjs started, its code warm) for the next startWorker() instead of stopping it; stops it
 * when there is a spare already.
 */
export function keepAsSpare(worker: Worker): void {
  if (hasSpare() || worker.threadId === -1) {
    void worker.terminate();
    return;
  }
  spare = worker;
  spare.unref();
  spare.on('error', ignore);
}

function ignore(): void {}

function launch(): Worker {
  const bundled = path.join(__dirname, 'worker.js');
  if (existsSync(bundled)) return startBundleWorker(bundled);
  const source = path.join(__dirname, 'worker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true });
}
