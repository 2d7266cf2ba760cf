import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { inSharedMemory, sharedFloat32 } from '../../src/compute/sharedMemory';

/** What the other end of a post receives. */
function posted<T>(value: T): T {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(value);
  const received = receiveMessageOnPort(port2)!.message as T;
  port1.close();
  return received;
}

test('a shared array is shared by a post, not cloned: a write on one side shows on the other', () => {
  const x = sharedFloat32(5);
  const there = posted(x);
  there[3] = 7;
  assert.equal(x[3], 7);
  assert.equal(x.length, 5);
});

test('inSharedMemory: the array itself when shared already, else a shared copy of its values (both widths)', () => {
  const shared = sharedFloat32(3);
  assert.equal(inSharedMemory(shared), shared);
  const plain = Float64Array.of(1.5, -2, Math.PI);
  const copy = inSharedMemory(plain);
  assert.ok(copy instanceof Float64Array && copy.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...copy], [...plain]);
  const view = Float32Array.of(9, 8, 7, 6).subarray(1, 3);
  assert.deepEqual([...inSharedMemory(view)], [8, 7], 'a view: its own values, not its whole buffer');
});
