/**
 * The preprocessing JSON beside a user's model (src/compute/onnx/preprocess.ts): absent, the inputs are taken as they
 * come; there but unreadable, it is an error (not silently dropped); per-channel values must match the channels.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/compute/errors';
import { imageInput, readPreprocess } from '../../../src/compute/onnx/preprocess';

test('an unreadable preprocessing file beside the model is an error; none at all is no preprocessing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-pre-'));
  try {
    const model = path.join(dir, 'm.onnx');
    assert.deepEqual(await readPreprocess(model), { spec: {} });
    fs.mkdirSync(path.join(dir, 'm.preprocess.json'));
    await assert.rejects(
      readPreprocess(model),
      (e: unknown) => e instanceof InputError && /m\.preprocess\.json/.test(e.message),
    );
    fs.rmdirSync(path.join(dir, 'm.preprocess.json'));
    fs.symlinkSync(path.join(dir, 'gone.json'), path.join(dir, 'm.preprocess.json'));
    await assert.rejects(readPreprocess(model), InputError, 'a broken link');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a mean or std with more values than the model has channels is refused', () => {
  assert.throws(
    () => imageInput([-1, 1, 8, 8], { mean: [0.5, 0.1, 0.9], std: [0.25] }, 'm.onnx'),
    (e: unknown) =>
      e instanceof InputError &&
      /takes 1 channel, the preprocessing JSON's "mean" has 3 values; expected 1/.test(e.message),
  );
  assert.deepEqual(imageInput([-1, 3, 8, 8], { mean: [0.5, 0.1, 0.9], std: [0.25] }, 'm.onnx'), {
    height: 8,
    width: 8,
    channels: 3,
    layout: 'NCHW',
  });
});
