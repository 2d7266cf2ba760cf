/**
 * Image folders from the wild: zero-byte files, symlink loops, links out of
 * the dataset, unreadable files. Each either loads (skipping what is not an
 * image, with a warning that names it) or stops with the file and what was
 * expected — never a hang, a crash, or a read outside the folder through a
 * linked directory.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadDataset } from '../../../src/compute/data/index';
import { InputError } from '../../../src/compute/errors';
import { grey, pngBytes, tempDir, write } from '../data/helpers';

function twoClasses(root: string): void {
  for (const [k, c] of ['cat', 'dog'].entries()) {
    for (let i = 0; i < 5; i++) write(root, `${c}/${i}.png`, pngBytes(8, 8, grey(40 + k * 150)));
  }
}

test('a zero-byte .png names the file and what was expected', async () => {
  const root = tempDir();
  twoClasses(root);
  write(root, 'dog/empty.png', '');
  await assert.rejects(loadDataset(root), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.match(e.message, /dog\/empty\.png: .*expected a \.png or \.jpg image file/);
    return true;
  });
});

test('a symlink loop and a link to a folder outside the dataset are skipped, named in a warning, not followed', async () => {
  const root = tempDir();
  twoClasses(root);
  fs.symlinkSync('..', path.join(root, 'cat', 'loop'));
  const outside = tempDir();
  write(outside, 'secret/0.png', pngBytes(8, 8, grey(7)));
  fs.symlinkSync(outside, path.join(root, 'dog', 'outside'));
  const d = await loadDataset(root);
  assert.deepEqual(d.classes, ['cat', 'dog']);
  assert.equal(d.train.sources.length + d.test.sources.length, 10, 'only the ten real images');
  assert.ok(d.warnings.some((w) => w.includes('cat/loop') && w.includes('dog/outside')), d.warnings.join('\n'));
});

test('an unreadable image names the file', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, async () => {
  const root = tempDir();
  twoClasses(root);
  const file = write(root, 'cat/locked.png', pngBytes(8, 8, grey(1)));
  fs.chmodSync(file, 0o000);
  try {
    await assert.rejects(loadDataset(root), (e: unknown) => e instanceof InputError && /cat\/locked\.png/.test(e.message));
  } finally {
    fs.chmodSync(file, 0o644);
  }
});
