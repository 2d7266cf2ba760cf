import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { isImageName as engineIsImageName } from '../../../../src/compute/data/imageDecode';
import {
  canonicalJson,
  datasetFiles,
  fingerprintDataset,
  isImageName,
  settingsKey,
} from '../../../../src/host/analysis/fingerprint';
import { NotRegularFileError } from '../../../../src/compute/regularFile';
import { makeFifo } from '../../../helpers/fifo';

const dir = mkdtempSync(path.join(os.tmpdir(), 'il-fp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a file: same bytes same fingerprint, any byte changed or undone back', async () => {
  const file = path.join(dir, 'd.csv');
  writeFileSync(file, 'a,label\n1,cat\n');
  const first = await fingerprintDataset(file);
  writeFileSync(file, 'a,label\n1,cat\n');
  assert.equal(await fingerprintDataset(file), first, 'rewriting the same bytes (new mtime) is not a change');
  writeFileSync(file, 'a,label\n1,dog\n');
  assert.notEqual(await fingerprintDataset(file), first);
  writeFileSync(file, 'a,label\n1,cat\n');
  assert.equal(await fingerprintDataset(file), first, 'an undo makes it fresh again');
});

test('an image folder: only images count, hidden files ignored, a move between class folders is a change', async () => {
  const root = path.join(dir, 'images');
  mkdirSync(path.join(root, 'cat'), { recursive: true });
  mkdirSync(path.join(root, 'dog'), { recursive: true });
  mkdirSync(path.join(root, '.cache'), { recursive: true });
  writeFileSync(path.join(root, 'cat', '1.png'), 'png-bytes-1');
  writeFileSync(path.join(root, 'dog', '2.JPG'), 'jpg-bytes-2');
  writeFileSync(path.join(root, 'README.md'), 'notes');
  writeFileSync(path.join(root, '.cache', '3.png'), 'hidden');
  assert.deepEqual(
    (await datasetFiles(root)).map((f) => path.relative(root, f)),
    [path.join('cat', '1.png'), path.join('dog', '2.JPG')],
  );
  const first = await fingerprintDataset(root);
  writeFileSync(path.join(root, 'README.md'), 'other notes');
  assert.equal(await fingerprintDataset(root), first, 'a non-image file is not data');
  renameSync(path.join(root, 'cat', '1.png'), path.join(root, 'dog', '1.png'));
  assert.notEqual(await fingerprintDataset(root), first, 'relabel by move changes it');
  renameSync(path.join(root, 'dog', '1.png'), path.join(root, 'cat', '1.png'));
  assert.equal(await fingerprintDataset(root), first);
});

test(
  'a pipe as the dataset is refused at once, not waited on (it would hold a thread of the pool)',
  { timeout: 20_000 },
  async (t) => {
    const pipe = makeFifo(t, path.join(dir, 'pipe.csv'));
    await assert.rejects(fingerprintDataset(pipe), NotRegularFileError);
  },
);

test('the host and the engine agree on what an image file is', () => {
  for (const name of ['a.png', 'b.PNG', 'c.jpg', 'd.jpeg', 'e.JPEG', 'f.gif', 'g.png.txt', 'h.webp', 'png']) {
    assert.equal(isImageName(name), engineIsImageName(name), name);
  }
});

test('settings keys do not depend on key order or undefined fields', () => {
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }], u: undefined }), '{"a":[1,{"c":3,"d":2}],"b":1}');
  assert.equal(settingsKey({ folds: 5, model: 'mlp' }), settingsKey({ model: 'mlp', folds: 5, seed: undefined }));
  assert.notEqual(settingsKey({ folds: 5, model: 'mlp' }), settingsKey({ folds: 4, model: 'mlp' }));
});
