/** The worker's side of syncWorker.ts: replies on the task's port, then raises the counter the engine waits on. */
import type { MessagePort } from 'node:worker_threads';

export function replyOn(port: MessagePort, flag: Int32Array) {
  return (message: object, transfer: ArrayBuffer[] = []): void => {
    port.postMessage(message, transfer);
    // After the message is queued: the engine wakes and reads it from the port.
    Atomics.add(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
}

/** A failure reply to request `id` (-1: the worker could not start serving, so whatever was asked failed). */
export function failure(id: number, error: unknown) {
  const e = error instanceof Error ? error : new Error(String(error));
  return { type: 'failed' as const, id, name: e.name, message: e.message, stack: e.stack };
}
