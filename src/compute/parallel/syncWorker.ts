/**
 * A worker thread (startWorker.ts) that the engine talks to synchronously: the engine's
 * kernels (solvers, factorizations, the influence scan) are synchronous loops, so this thread cannot await a
 * reply. It posts a request on a MessageChannel, does its own share of the work, then blocks on a counter in
 * shared memory that the worker raises after each reply (Atomics.wait, in slices, so a cancel is still seen
 * within milliseconds), and takes the reply off the port synchronously (receiveMessageOnPort).
 * The worker's side is replyPort.ts. Used by productHelper.ts (network products) and matrixHelper.ts (dense
 * matrix products).
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { throwIfAborted } from '../cancel';
import { startWorker } from './startWorker';

/** How long one wait lasts before the cancel flag and the worker's life are looked at again. */
const WAIT_SLICE_MS = 20;

/** What the worker's failure reply carries (replyPort.ts's failure()). */
export interface FailedReply {
  name: string;
  message: string;
  stack?: string;
}

/** The worker's error, rethrown in this thread with its name, message and stack. */
export function errorFromReply(reply: FailedReply): Error {
  const error = new Error(reply.message);
  error.name = reply.name;
  error.stack = reply.stack;
  return error;
}

export class SyncWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private seen = 0;
  private stopped = false;

  /**
   * Starts the worker and hands it `task(port, flag)`: the task message that carries the worker's end of the
   * channel and the shared counter it raises after each reply.
   */
  constructor(task: (port: MessagePort, flag: Int32Array) => object) {
    this.worker = startWorker();
    // A helper left undisposed must not keep the process alive.
    this.worker.unref();
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const flag = new Int32Array(new SharedArrayBuffer(4));
    this.worker.postMessage(task(port2, flag), [port2]);
    this.flag = flag;
  }

  get alive(): boolean {
    return !this.stopped && this.worker.threadId !== -1;
  }

  send(message: object, transfer: ArrayBuffer[] = []): void {
    if (this.stopped) throw new Error('the helper thread was stopped');
    this.port.postMessage(message, transfer);
  }

  /**
   * Blocks until `accept` returns a value for one of the worker's messages (it returns undefined for a message
   * to skip, and may throw); throws CancelledError when `signal` fires meanwhile.
   */
  receive<T>(accept: (raw: unknown) => T | undefined, signal?: AbortSignal): T {
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received) {
        this.seen++;
        const value = accept(received.message);
        if (value !== undefined) return value;
        continue;
      }
      throwIfAborted(signal);
      // threadId turns −1 once the thread has stopped (a crash, or out of memory), before any event says so.
      if (this.worker.threadId === -1) throw new Error('the helper thread stopped unexpectedly');
      // Returns at once when the worker has replied since (the counter is past `seen`), else on its raise.
      Atomics.wait(this.flag, 0, this.seen, WAIT_SLICE_MS);
    }
  }

  dispose(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.port.close();
    void this.worker.terminate();
  }
}
