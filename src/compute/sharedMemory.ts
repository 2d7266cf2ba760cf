/**
 * Typed arrays in a SharedArrayBuffer: posted to a worker thread they are shared, not cloned — the training inputs
 * every fold task reads, the features the neighbour searches and the influence scan post to their helper, a factor the
 * helper reads in place. Where SharedArrayBuffer is missing, plain arrays (a post then clones them, as it always did).
 */
const shared = typeof SharedArrayBuffer !== 'undefined';

export function sharedFloat32(length: number): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
}

/** `x` itself when it is in shared memory already, else a copy there. */
export function inSharedMemory<T extends Float32Array | Float64Array>(x: T): T {
  if (!shared || x.buffer instanceof SharedArrayBuffer) return x;
  const copy = (
    x instanceof Float32Array
      ? new Float32Array(new SharedArrayBuffer(x.byteLength))
      : new Float64Array(new SharedArrayBuffer(x.byteLength))
  ) as T;
  copy.set(x);
  return copy;
}
