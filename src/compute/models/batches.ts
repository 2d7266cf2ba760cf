/**
 * Minibatch assembly in plain typed arrays. Batches are copied out of the
 * caller's Float32Array rather than gathered from a tensor of the whole
 * dataset: only one batch at a time lives in the (4 GB-capped) wasm heap.
 */

/** Rows order[start..end) of a row-major n × dims matrix, packed. */
export function gatherRows(x: Float32Array, dims: number, order: Int32Array, start: number, end: number): Float32Array {
  const out = new Float32Array((end - start) * dims);
  gatherRowsInto(x, dims, order, start, end, out);
  return out;
}

/** The same batch as gatherRows, written into the start of `out` (reused step after step). */
export function gatherRowsInto(
  x: Float32Array,
  dims: number,
  order: Int32Array,
  start: number,
  end: number,
  out: Float32Array,
): void {
  for (let r = start; r < end; r++) {
    const src = order[r] * dims;
    out.set(x.subarray(src, src + dims), (r - start) * dims);
  }
}

/** Labels y[order[start..end)] into `out`, checked as oneHotRows checks them. */
export function labelsInto(
  y: Int32Array,
  numClasses: number,
  order: Int32Array,
  start: number,
  end: number,
  out: Int32Array,
): void {
  for (let r = start; r < end; r++) out[r - start] = checkedLabel(y, numClasses, order[r]);
}

function checkedLabel(y: Int32Array, numClasses: number, sample: number): number {
  const label = y[sample];
  if (!(label >= 0 && label < numClasses))
    throw new Error(`label ${label} of sample ${sample} is outside 0..${numClasses - 1}`);
  return label;
}

/** rows[order[k]] for every k: a batch order over a subset, as rows of the full matrix. */
export function composeRows(rows: Int32Array, order: Int32Array): Int32Array {
  return Int32Array.from(order, (k) => rows[k]);
}

/** One-hot rows for labels y[order[start..end)]. */
export function oneHotRows(
  y: Int32Array,
  numClasses: number,
  order: Int32Array,
  start: number,
  end: number,
): Float32Array {
  const out = new Float32Array((end - start) * numClasses);
  for (let r = start; r < end; r++) out[(r - start) * numClasses + checkedLabel(y, numClasses, order[r])] = 1;
  return out;
}

/** 0, 1, …, n−1. */
export function identityOrder(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}
