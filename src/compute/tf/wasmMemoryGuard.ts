/**
 * A failed allocation on the wasm backend raises an error instead of corrupting the heap.
 *
 * tfjs-backend-wasm (4.22) allocates every tensor with the module's malloc and never checks the result. The module
 * grows its memory on demand, so its malloc returns 0 when one thread's 4 GB cannot take the request, and the tensor
 * is then placed at address 0: its values overwrite whatever the heap holds there, other tensors included, and the
 * analysis goes on with wrong numbers (measured: a second 2.4 GB tensor got offset 0, and tf.zeros of that size
 * "succeeded"). A request of 4 GB or more wraps to its size modulo 2³², and one the heap cannot grow to may get a
 * block that runs past its end. The estimate refuses runs that would not fit (memoryEstimate.ts), but an estimate
 * can be wrong, and a data tool must fail loudly rather than answer from a corrupt heap.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WasmMemoryError } from '../errors';

/** The part of tfjs-backend-wasm's BackendWasm this reaches: its Emscripten module. */
interface WasmBackend {
  wasm: { _malloc(bytes: number): number; HEAPU8: Uint8Array; guarded?: true };
}

/** Installs the check on the active wasm backend (once; a no-op elsewhere). */
export function guardWasmAllocations(): void {
  if (tf.getBackend() !== 'wasm') return;
  const module = (tf.backend() as unknown as Partial<WasmBackend>).wasm;
  if (!module || typeof module._malloc !== 'function' || module.guarded) return;
  // Emscripten binds its exports lazily: the first call of Module._malloc replaces the property with the raw export.
  // A wrapper assigned over it would be dropped by that first call, so the property keeps the wrapper and takes any
  // later assignment as the function the wrapper calls.
  let malloc = module._malloc;
  const guarded = (bytes: number): number => {
    // A request of 4 GB or more would reach malloc modulo 2³² (a wasm32 size): a small block for a huge tensor.
    const at = bytes < 2 ** 32 ? malloc.call(module, bytes) >>> 0 : 0;
    // A block that ends past the heap: the module's sbrk let the break wrap past 2³² (measured: a second 2.4 GB
    // block at 2.4 GB, after a small allocation between them) and its allocator now counts memory it does not have.
    // The thread's heap cannot be trusted after that; the error ends the analysis.
    if (bytes > 0 && (at === 0 || at + bytes > module.HEAPU8.byteLength))
      throw new WasmMemoryError(bytes, module.HEAPU8.byteLength);
    return at;
  };
  Object.defineProperty(module, '_malloc', {
    configurable: true,
    enumerable: true,
    get: () => guarded,
    set: (next: (bytes: number) => number) => {
      malloc = next;
    },
  });
  module.guarded = true;
}
