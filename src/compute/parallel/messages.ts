/**
 * Messages between the engine and its worker threads. Each worker runs its
 * own tfjs instance (tfjs wasm is single-threaded under Node), so training
 * several models at once is how the engine uses more than one core.
 */
import type { ModelConfig, TrainedNetwork, TrainingData, TrainProgress } from '../models/types';

/** Train one network; optionally return its probabilities on held-out samples. */
export interface TrainTask {
  type: 'train';
  taskId: number;
  config: ModelConfig;
  data: TrainingData;
  /**
   * Train on these rows of `data` only (all rows when absent). With `data.x`
   * in a SharedArrayBuffer, every task then refers to the one copy of the
   * features instead of carrying its own: at 100,000 × 784 each copy is
   * 300 MB, and the k fold tasks used to hold k of them at once.
   */
  rows?: Int32Array;
  /** Rows of `data` to predict with the trained network (e.g. a held-out fold). */
  evalRows?: Int32Array;
  /** Or: row-major samples to predict, passed by value. */
  evalX?: Float32Array;
  evalN?: number;
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  /** Keep per-epoch checkpoints in the returned network (TracIn). */
  checkpoints?: boolean;
  /**
   * Instead of training from scratch: retrain `start` over every parameter
   * without the `removed` training samples (retrainFullNetwork), for the
   * reliability check's whole-network retrainings, which are independent and
   * take seconds to minutes each.
   */
  retrain?: { start: TrainedNetwork; l2: number; removed: number[] };
}

export type WorkerRequest = TrainTask;

export interface TrainDone {
  type: 'trained';
  taskId: number;
  net: TrainedNetwork;
  evalProbs?: Float32Array;
  backend: string;
  seconds: number;
}

export interface TrainProgressMessage {
  type: 'progress';
  taskId: number;
  progress: TrainProgress;
}

export interface TaskFailed {
  type: 'failed';
  taskId: number;
  name: string;
  message: string;
  stack?: string;
}

export type WorkerResponse = TrainDone | TrainProgressMessage | TaskFailed;

export function isWorkerResponse(value: unknown): value is WorkerResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; taskId?: unknown };
  return (v.type === 'trained' || v.type === 'progress' || v.type === 'failed') && typeof v.taskId === 'number';
}
