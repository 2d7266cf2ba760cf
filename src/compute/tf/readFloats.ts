/**
 * A float32 tensor's values without dataSync's copy where the backend can lend them.
 *
 * On wasm, dataSync slices the wasm heap (HEAPU8.slice), which V8 does slowly
 * for a view on wasm memory: 0.78 ms for a 128 × 784 tensor, against 0.013 ms
 * for a view on the heap copied with set() (measured on this project's
 * machine), and the fresh copy's pages are then faulted in on first touch.
 * Training reads a few such tensors per step, and the mixed-precision kernels
 * read every product (linalg/matmul.ts useAndDispose). Other backends go
 * through dataSync.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The part of the wasm backend that lends a tensor's values in place (tfjs-backend-wasm's BackendWasm). */
interface HeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/**
 * t's values: on wasm a view on the backend's heap, valid only until the next tfjs operation (a growing heap
 * detaches it), so use or copy it at once; elsewhere dataSync's copy.
 */
export function lendFloats(t: tf.Tensor): Float32Array {
  const backend = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as Partial<HeapBackend>) : undefined;
  if (t.dtype === 'float32' && typeof backend?.typedArrayFromHeap === 'function') return backend.typedArrayFromHeap(t);
  return t.dataSync() as Float32Array;
}

/** Writes t's values into out (length = t.size), read before anything else touches the heap. */
export function readFloatsInto(t: tf.Tensor, out: Float32Array): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  if (out.length !== t.size) throw new Error(`${out.length} values for a tensor of ${t.size}`);
  out.set(lendFloats(t));
  return out;
}
