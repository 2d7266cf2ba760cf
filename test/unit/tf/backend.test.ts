import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, wasmDirectory } from '../../../src/compute/tf/backend';

test('initBackend picks wasm here (tfjs-node is not installable), once, and registers the gradient fixes', async () => {
  const first = await initBackend();
  // No tfjs-node on this machine: wasm, and without a preference that is not a fallback worth a warning.
  assert.equal(first.name, 'wasm');
  assert.equal(first.warning, undefined);
  assert.equal(tf.getBackend(), 'wasm');
  const again = await initBackend('cpu');
  assert.equal(again, first, 'second call returns the same info');
  assert.equal(tf.getBackend(), 'wasm');
  for (const kernel of ['Equal', 'Greater', 'Less', 'LessEqual', 'NotEqual', 'GreaterEqual', 'Sum', 'BatchMatMul']) {
    assert.ok(tf.getGradient(kernel), `${kernel} has a gradient`);
  }
  for (const kernel of ['Exp', 'Sigmoid', 'Tanh']) {
    assert.deepEqual(tf.getGradient(kernel).inputsToSave, ['x'], `${kernel} recomputes from its input`);
    assert.equal(tf.getGradient(kernel).outputsToSave, undefined);
  }
});

test('wasmDirectory finds the binaries (in the npm package when not bundled)', () => {
  const dir = wasmDirectory();
  assert.ok(existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')), dir);
});

/** Runs initBackend(prefer) in a fresh process (the choice is once per process). */
function backendInFreshProcess(prefer: string): { name: string; warning?: string } {
  const modulePath = path.resolve(__dirname, '../../../src/compute/tf/backend.ts');
  const code =
    `require(${JSON.stringify(modulePath)}).initBackend(${JSON.stringify(prefer)}).then((i) ` +
    `=> process.stdout.write(JSON.stringify(i)))`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', code], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.slice(out.indexOf('{')));
}

test("asking for 'tensorflow' without tfjs-node falls back to wasm and says why", () => {
  const info = backendInFreshProcess('tensorflow');
  assert.equal(info.name, 'wasm');
  assert.match(info.warning ?? '', /tfjs-node/);
});

test("'cpu' on request, without a warning", () => {
  assert.deepEqual(backendInFreshProcess('cpu'), { name: 'cpu' });
});
