/**
 * A worker thread of the pool (pool.ts's startWorker) that computes products
 * over one range of training rows while this thread computes the rest
 * (influence/batchedNetwork.ts). The solvers that call the products are
 * synchronous loops, so this thread cannot await a reply: it posts the request
 * on a MessageChannel, does its own share, then blocks on a counter in shared
 * memory that the worker raises after each reply (Atomics.wait, in slices, so
 * a cancel is still seen within milliseconds), and takes the reply off the
 * port synchronously (receiveMessageOnPort).
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { throwIfAborted } from '../cancel';
import type { TrainedNetwork, TrainingData } from '../models/types';
import { checkProductReply, type ProductRequest, type ProductsTask } from './messages';
import { startWorker } from './pool';

/** How long one wait lasts before the cancel flag and the worker's life are looked at again. */
const WAIT_SLICE_MS = 20;

export interface ProductHelper {
  /** Posts a request; its answer is taken with `collect` (a later `post` abandons it). */
  post(kind: ProductRequest['kind'], vs: readonly Float64Array[]): void;
  /** Blocks until the posted request's answer arrives; throws CancelledError when `signal` fires meanwhile. */
  collect(signal?: AbortSignal): Float64Array[];
  dispose(): void;
}

/** The rows a worker gets: the range alone (copied), or all of x when it is already in shared memory. */
function rowsForWorker(
  data: TrainingData,
  start: number,
  end: number,
): { data: TrainingData; start: number; end: number } {
  if (data.x.buffer instanceof SharedArrayBuffer) return { data, start, end };
  const { dims } = data;
  return {
    data: { ...data, x: data.x.slice(start * dims, end * dims), y: data.y.slice(start, end), n: end - start },
    start: 0,
    end: end - start,
  };
}

export function startProductHelper(
  net: TrainedNetwork,
  data: TrainingData,
  start: number,
  end: number,
  backend: ProductsTask['backend'],
): ProductHelper {
  const worker: Worker = startWorker();
  // A helper left undisposed must not keep the process alive.
  worker.unref();
  const { port1, port2 }: { port1: MessagePort; port2: MessagePort } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const task: ProductsTask = {
    type: 'products',
    taskId: 0,
    // Checkpoints are not needed for products (and can be large).
    net: { ...net, checkpoints: undefined },
    ...rowsForWorker(data, start, end),
    backend,
    port: port2,
    flag,
  };
  worker.postMessage(task, [port2]);
  let nextId = 0;
  let pending: number | undefined;
  let seen = 0;
  let stopped = false;

  return {
    post(kind, vs) {
      if (stopped) throw new Error('the product thread was stopped');
      // A request still pending was abandoned by a cancel: its late reply is skipped by its id.
      pending = nextId++;
      port1.postMessage({ id: pending, kind, vs: [...vs] } satisfies ProductRequest);
    },
    collect(signal) {
      const id = pending;
      if (id === undefined) throw new Error('internal error: no product request is pending');
      for (;;) {
        const received = receiveMessageOnPort(port1);
        if (received) {
          seen++;
          const reply = checkProductReply(received.message, 'product reply');
          if (reply.type === 'failed' && (reply.id === id || reply.id === -1)) {
            pending = undefined;
            const error = new Error(reply.message);
            error.name = reply.name;
            error.stack = reply.stack;
            throw error;
          }
          // A reply to an earlier request abandoned by a cancel is skipped.
          if (reply.type === 'values' && reply.id === id) {
            pending = undefined;
            return reply.values;
          }
          continue;
        }
        throwIfAborted(signal);
        // threadId turns −1 once the thread has stopped (a crash, or out of memory), before any event says so.
        if (worker.threadId === -1) throw new Error('the product thread stopped unexpectedly');
        // Returns at once when the worker has replied since (the counter is past `seen`), else on its raise.
        Atomics.wait(flag, 0, seen, WAIT_SLICE_MS);
      }
    },
    dispose() {
      if (stopped) return;
      stopped = true;
      port1.close();
      void worker.terminate();
    },
  };
}
