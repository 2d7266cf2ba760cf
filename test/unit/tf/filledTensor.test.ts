/**
 * A tensor written where it lives (tf/filledTensor.ts): on wasm `fill` writes the backend's heap itself — no JS copy
 * of the values exists — and on any other backend the same values arrive through a JS array.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { filledTensor } from '../../../src/compute/tf/filledTensor';
import { initBackend } from '../../../src/compute/tf/backend';

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

const pattern = (values: Float32Array) => {
  for (let i = 0; i < values.length; i++) values[i] = Math.fround(Math.sin(i) * 1e3);
};

function heapBuffer(): ArrayBufferLike {
  return (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer;
}

test('on wasm, fill writes the tensor in the backend heap and the tensor holds exactly those values', () => {
  const before = tf.memory().numTensors;
  let written: Float32Array | undefined;
  const t = filledTensor<tf.Rank.R2>([37, 11], (values) => {
    written = values;
    pattern(values);
  });
  assert.equal(written?.buffer, heapBuffer(), 'fill got a JS array, not a view on the heap');
  assert.deepEqual(t.shape, [37, 11]);
  const expected = new Float32Array(37 * 11);
  pattern(expected);
  assert.deepEqual(t.dataSync(), expected);
  // The tensor takes part in ordinary operations and is freed like any other.
  const transposed = tf.transpose(t);
  assert.equal(transposed.dataSync()[1], expected[11]);
  t.dispose();
  transposed.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('a fill that throws leaves no tensor behind and its error reaches the caller', () => {
  const before = tf.memory().numTensors;
  assert.throws(
    () =>
      filledTensor([4, 4], () => {
        throw new Error('bad row 3');
      }),
    /bad row 3/,
  );
  assert.equal(tf.memory().numTensors, before);
});

test('an empty tensor and, off wasm, a JS array give the same tensors', async () => {
  const empty = filledTensor([0, 5], () => {});
  assert.deepEqual(empty.shape, [0, 5]);
  empty.dispose();
  const onWasmTensor = filledTensor<tf.Rank.R1>([1000], pattern);
  const onWasm = onWasmTensor.dataSync();
  onWasmTensor.dispose();
  assert.ok(await tf.setBackend('cpu'));
  try {
    let written: Float32Array | undefined;
    const t = filledTensor<tf.Rank.R1>([1000], (values) => {
      written = values;
      pattern(values);
    });
    assert.equal(tf.getBackend(), 'cpu');
    assert.ok(written instanceof Float32Array && written.length === 1000);
    assert.deepEqual(t.dataSync(), onWasm);
  } finally {
    await tf.setBackend('wasm');
  }
});
