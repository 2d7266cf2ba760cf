/**
 * A training task's input rows, as the dense trainer's steps read them batch by batch.
 *
 * The task's rows sit in the matrix every thread shares (a cross-fitting fold's rows are scattered through it), and
 * with unused input features (inputColumns.ts) each batch takes only some columns of each row. Gathering that batch
 * value by value at every step cost ~0.3 ms of a 2.8 ms MNIST step on a training thread (the shared rows come from
 * memory at random, and a copy out of shared memory goes at relaxed-atomic speed). So the task's rows, with the
 * kept columns, are packed once into this thread's own memory in sample order; a step then copies its batch's rows
 * whole, ~0.04 ms.
 *
 * The packed copy reuses one buffer per thread from task to task: on this machine a fresh page costs ~2.8 ms per MB
 * on first touch (the 17 MB of an MNIST fold took 48 ms to fault in, more than the packing itself). Above
 * PACKED_BYTES a task reads the shared rows at every step instead, so that a 100,000-row table adds no copy per
 * thread (the memory estimate, pipeline/memoryEstimate.ts, counts a fold's copy per training thread either way).
 */
import { selectColumnsInto } from '../linalg/columnSubset';
import { gatherRowsInto } from './batches';
import type { TrainingData } from './types';

/** Largest packed copy of a task's rows a thread keeps (MNIST at 20,000 samples: 43 MB). */
const PACKED_BYTES = 64 * 2 ** 20;

/** Where a step's batch comes from. */
export interface TaskRows {
  /** Values per row the batch gets: the kept columns, or every input feature. */
  readonly width: number;
  /**
   * Writes the task's samples order[start..end) into `out`, `width` values each. xOrder[k] is sample order[k]'s row
   * of the shared matrix (the same as order without a row subset).
   */
  batch(xOrder: Int32Array, order: Int32Array, start: number, end: number, out: Float32Array): void;
  /** Gives the thread's buffer back for the next task. */
  release(): void;
}

/**
 * This thread's packing buffer while no trainer holds it. A trainer takes it (so that no other can while it reads) and
 * gives it back when done; a trainer that starts meanwhile packs into a new buffer.
 */
let spare: Float32Array | undefined;

/** A buffer of at least `size` values: the spare when it is large enough, else a new one. */
function take(size: number): Float32Array {
  const buffer = spare !== undefined && spare.length >= size ? spare : new Float32Array(size);
  if (buffer === spare) spare = undefined;
  return buffer;
}

/**
 * Frees this thread's packing buffer, for a thread that trains no more: the analysis thread, after training on its
 * own, would otherwise hold up to PACKED_BYTES through every later stage. (A worker thread ends instead.)
 */
export function dropSpareRows(): void {
  spare = undefined;
}

/** Values this thread's packing buffer holds while no trainer uses it (0: none kept). */
export function spareRowsLength(): number {
  return spare?.length ?? 0;
}

/**
 * The task's rows (data.n samples: rows[k] of data.x, or its first n rows), restricted to `columns` when given.
 * Packed into this thread's memory when they fit in `packedBytes`, else read from data.x at every step.
 */
export function taskRows(
  data: TrainingData,
  rows: Int32Array | undefined,
  columns: Int32Array | undefined,
  packedBytes = PACKED_BYTES,
): TaskRows {
  const width = columns ? columns.length : data.dims;
  const size = data.n * width;
  if (size * 4 > packedBytes) return sharedRows(data, columns, width);
  const buffer = take(size);
  if (columns) selectColumnsInto({ x: data.x, n: data.n, rows }, data.dims, columns, buffer);
  else if (rows) gatherRowsInto(data.x, data.dims, rows, 0, data.n, buffer);
  else buffer.set(data.x.subarray(0, size));
  let held = true;
  return {
    width,
    batch: (_xOrder, order, start, end, out) => gatherRowsInto(buffer, width, order, start, end, out),
    release() {
      if (held) spare = buffer;
      held = false;
    },
  };
}

/** The batches read from the shared matrix at every step (a task too large to pack). */
function sharedRows(data: TrainingData, columns: Int32Array | undefined, width: number): TaskRows {
  return {
    width,
    batch(xOrder, _order, start, end, out) {
      if (!columns) return gatherRowsInto(data.x, data.dims, xOrder, start, end, out);
      const rows = xOrder.subarray(start, end);
      selectColumnsInto({ x: data.x, n: rows.length, rows }, data.dims, columns, out);
    },
    release: () => undefined,
  };
}
