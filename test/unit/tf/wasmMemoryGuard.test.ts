/**
 * The wasm backend's malloc returns 0 when a thread's 4 GB cannot take a request, and tfjs-backend-wasm placed the
 * tensor at address 0 over whatever lived there, or gave a block running past the heap's end (tf/wasmMemoryGuard.ts).
 * With the guard the allocation throws WasmMemoryError, and analyze() reports the error, from whichever thread, as
 * the input's problem with what would fit.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { InputError, WasmMemoryError } from '../../../src/compute/errors';
import { asInputError } from '../../../src/compute/pipeline/analyze';
import { initBackend } from '../../../src/compute/tf/backend';
import { filledTensor } from '../../../src/compute/tf/filledTensor';

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

/** 4.4 GB of float32: more than a thread can address, refused at once (nothing is grown or written). */
const TOO_LARGE = 1_100_000_000;

test('an allocation past the 4 GB a thread addresses throws, and the heap is left as it was', () => {
  const kept = tf.tensor1d([1, 2, 3, 4]);
  const tensors = tf.memory().numTensors;
  assert.throws(
    () =>
      (tf.backend() as unknown as { makeOutput(s: number[], d: string): unknown }).makeOutput([TOO_LARGE], 'float32'),
    (error: unknown) =>
      error instanceof WasmMemoryError && /could not allocate 4197 MB more in one thread/.test(error.message),
  );
  assert.throws(() => filledTensor([TOO_LARGE], () => assert.fail('filled')), WasmMemoryError);
  assert.throws(() => tf.zeros([TOO_LARGE]), WasmMemoryError);
  assert.equal(tf.memory().numTensors, tensors);
  assert.deepEqual(Array.from(kept.dataSync()), [1, 2, 3, 4]);
  // The backend still works.
  assert.deepEqual(Array.from(tf.add(kept, 1).dataSync()), [2, 3, 4, 5]);
});

test("a heap that cannot grow enough throws too: malloc gave 0, or a block running past the heap's end", () => {
  const backend = tf.backend() as unknown as { makeOutput(s: number[], d: string): tf.TensorInfo };
  // 2.4 GB, allocated and never written (its pages are not touched): a second cannot fit beside it. (After a small
  // allocation in between, as here after the test above, the module's malloc returned a block past the heap's end.)
  const large = 600_000_000;
  const first = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([large], 'float32'));
  try {
    assert.throws(() => backend.makeOutput([large], 'float32'), WasmMemoryError);
  } finally {
    first.dispose();
  }
});

test("analyze reports a thread's exhausted heap as the input's problem, naming the dataset and what fits", () => {
  // As it arrives from a worker thread: a plain Error carrying the name.
  const fromWorker = Object.assign(new Error(new WasmMemoryError(2 ** 30, 3 * 2 ** 30).message), {
    name: 'WasmMemoryError',
  });
  const reported = asInputError(fromWorker, '/data/wide.csv');
  assert.ok(reported instanceof InputError);
  assert.equal(reported.file, '/data/wide.csv');
  assert.match(reported.message, /ran out of memory: the wasm backend could not allocate 1024 MB more in one thread/);
  assert.match(reported.message, /the maxSamples option/);
  const other = new Error('something else');
  assert.equal(asInputError(other, '/data/wide.csv'), other);
});
