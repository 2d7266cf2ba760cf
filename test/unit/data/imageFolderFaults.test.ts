/**
 * Image folders from the wild: zero-byte files, symlink loops, links out of
 * the dataset, unreadable files. Each either loads (skipping what is not an
 * image, with a warning that names it) or stops with the file and what was
 * expected — never a hang, a crash, or a read outside the folder through a
 * linked directory.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadDataset } from '../../../src/compute/data/index';
import { InputError } from '../../../src/compute/errors';
import { grey, pngBytes, tempDir, write } from './helpers';

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

test(
  'a symlink loop and a link to a folder outside the dataset are skipped, ' + 'named in a warning, not followed',
  async () => {
    const root = tempDir();
    twoClasses(root);
    fs.symlinkSync('..', path.join(root, 'cat', 'loop'));
    const outside = tempDir();
    write(outside, 'secret/0.png', pngBytes(8, 8, grey(7)));
    fs.symlinkSync(outside, path.join(root, 'dog', 'outside'));
    const d = await loadDataset(root);
    assert.deepEqual(d.classes, ['cat', 'dog']);
    assert.equal(d.train.sources.length + d.test.sources.length, 10, 'only the ten real images');
    assert.ok(
      d.warnings.some((w) => w.includes('cat/loop') && w.includes('dog/outside')),
      d.warnings.join('\n'),
    );
  },
);

test(
  'an unreadable image names the file',
  { skip: process.getuid?.() === 0 ? 'root reads any file' : false },
  async () => {
    const root = tempDir();
    twoClasses(root);
    const file = write(root, 'cat/locked.png', pngBytes(8, 8, grey(1)));
    fs.chmodSync(file, 0o000);
    try {
      await assert.rejects(
        loadDataset(root),
        (e: unknown) => e instanceof InputError && /cat\/locked\.png/.test(e.message),
      );
    } finally {
      fs.chmodSync(file, 0o644);
    }
  },
);

// Issue 12 item 5: links are followed only inside the dataset, loops are found, no file is read twice.

const loadedPaths = (d: { train: { sources: { path: string }[] }; test: { sources: { path: string }[] } }) =>
  [...d.train.sources, ...d.test.sources].map((s) => s.path).sort();

test(
  'a class folder linking outside the dataset is not a class; a .png link to /etc/passwd is never read',
  { timeout: 30_000 },
  async () => {
    const root = tempDir();
    twoClasses(root);
    const outside = tempDir();
    for (let i = 0; i < 3; i++) write(outside, `bird/${i}.png`, pngBytes(8, 8, grey(99)));
    fs.symlinkSync(path.join(outside, 'bird'), path.join(root, 'bird'));
    fs.symlinkSync('/etc/passwd', path.join(root, 'cat', 'passwd.png'));
    const d = await loadDataset(root);
    assert.deepEqual(d.classes, ['cat', 'dog']);
    assert.equal(loadedPaths(d).length, 10);
    const warning = d.warnings.find((w) => w.includes('lead outside the dataset folder'));
    assert.ok(warning, d.warnings.join('\n'));
    assert.match(warning, /Skipped 2 links .*bird.*cat\/passwd\.png|Skipped 2 links .*cat\/passwd\.png.*bird/);
  },
);

test('a top-level loop -> . loads every image once, under its own class only', { timeout: 30_000 }, async () => {
  const root = tempDir();
  twoClasses(root);
  fs.symlinkSync('.', path.join(root, 'loop'));
  const d = await loadDataset(root);
  assert.deepEqual(d.classes, ['cat', 'dog']);
  assert.deepEqual(
    loadedPaths(d),
    [
      ...Array.from({ length: 5 }, (_, i) => `cat/${i}.png`),
      ...Array.from({ length: 5 }, (_, i) => `dog/${i}.png`),
    ].sort(),
  );
  assert.ok(
    d.warnings.some((w) => /already walked.*loop/.test(w)),
    d.warnings.join('\n'),
  );
});

test(
  'links inside the dataset: a class folder linked to another class adds ' +
    'no copies; an image linked from elsewhere inside is read once',
  async () => {
    const root = tempDir();
    const train = path.join(root, 'train');
    twoClasses(train);
    // "aaa" sorts before "dog": the direct path must still win.
    fs.symlinkSync('dog', path.join(train, 'aaa'));
    write(root, 'extra/x.png', pngBytes(8, 8, grey(60)));
    fs.symlinkSync(path.join('..', '..', 'extra', 'x.png'), path.join(train, 'cat', 'linked.png'));
    fs.symlinkSync(path.join('..', 'cat', '0.png'), path.join(train, 'dog', 'copy-of-cat.png'));
    const d = await loadDataset(root);
    assert.deepEqual(d.classes, ['cat', 'dog'], 'the linked class folder has no images of its own');
    const paths = loadedPaths(d);
    assert.equal(paths.filter((p) => p.startsWith('train/aaa/')).length, 0);
    assert.ok(paths.includes('train/cat/linked.png'), 'a link to an image inside the dataset is followed');
    assert.ok(!paths.includes('train/dog/copy-of-cat.png'), 'the same file twice: kept at its direct path');
    assert.equal(paths.length, 11);
    assert.ok(
      d.warnings.some((w) => /reached a second time through a link/.test(w)),
      d.warnings.join('\n'),
    );
  },
);

test(
  'a FIFO named like an image is skipped in a folder and refused in a JSONL manifest, never read',
  { timeout: 30_000 },
  async () => {
    const root = tempDir();
    twoClasses(root);
    execFileSync('mkfifo', [path.join(root, 'cat', 'pipe.png')]);
    const d = await loadDataset(root);
    assert.equal(loadedPaths(d).length, 10);
    assert.ok(
      d.warnings.some((w) => w.includes('cat/pipe.png')),
      d.warnings.join('\n'),
    );
    const manifest = write(
      root,
      'list.jsonl',
      ['cat/0.png', 'cat/pipe.png', 'dog/0.png', 'dog/1.png', 'cat/1.png', 'dog/2.png']
        .map((p, i) => JSON.stringify({ image: p, label: i % 2 ? 'a' : 'b' }))
        .join('\n') + '\n',
    );
    await assert.rejects(
      loadDataset(manifest),
      (e: unknown) =>
        e instanceof InputError && /pipe\.png \(line 2 of .*list\.jsonl\): is not a regular file/.test(e.message),
    );
  },
);
