/**
 * A worker thread that computes network products over one range of training rows while this thread computes the
 * rest (influence/batchedNetwork.ts), talked to synchronously (syncWorker.ts).
 */
import type { TrainedNetwork, TrainingData } from '../models/types';
import { checkProductReply, type ProductRequest, type ProductsTask } from './messages';
import { errorFromReply, SyncWorker } from './syncWorker';

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
  const worker = new SyncWorker((port, flag): ProductsTask => ({
    type: 'products',
    taskId: 0,
    // Checkpoints are not needed for products (and can be large).
    net: { ...net, checkpoints: undefined },
    ...rowsForWorker(data, start, end),
    backend,
    port,
    flag,
  }));
  let nextId = 0;
  let pending: number | undefined;

  return {
    post(kind, vs) {
      // A request still pending was abandoned by a cancel: its late reply is skipped by its id.
      pending = nextId++;
      worker.send({ id: pending, kind, vs: [...vs] } satisfies ProductRequest);
    },
    collect(signal) {
      const id = pending;
      if (id === undefined) throw new Error('internal error: no product request is pending');
      return worker.receive((raw) => {
        const reply = checkProductReply(raw, 'product reply');
        if (reply.type === 'failed' && (reply.id === id || reply.id === -1)) {
          pending = undefined;
          throw errorFromReply(reply);
        }
        // A reply to an earlier request abandoned by a cancel is skipped.
        if (reply.type === 'values' && reply.id === id) {
          pending = undefined;
          return reply.values;
        }
        return undefined;
      }, signal);
    },
    dispose() {
      worker.dispose();
    },
  };
}
