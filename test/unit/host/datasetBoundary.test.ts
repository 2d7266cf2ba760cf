/**
 * The containment boundary comes from what the user chose, never from the
 * results file (issue 12 item 3): a crafted results file with `root: "/"`
 * does not match the dataset, and every path it names must be one of the
 * dataset's files (text) or lie inside its folders (images), also through links.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { DatasetBoundary } from '../../../src/host/datasetBoundary';
import { OutsideRootError } from '../../../src/host/paths';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'il-boundary-')));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a text dataset: its own file and its test file only; a crafted root does not match', () => {
  const dir = path.join(tmp, 'text');
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  for (const f of ['data.csv', 'other.csv', 'sub/test.csv']) fs.writeFileSync(path.join(dir, f), 'a,label\n1,x\n');
  const b = new DatasetBoundary(path.join(dir, 'data.csv'), path.join(dir, 'sub', 'test.csv'));
  assert.equal(b.root, dir);
  assert.ok(b.matches(dir));
  assert.ok(!b.matches('/'), 'a results file claiming root "/" is not this dataset');
  assert.equal(b.resolve('data.csv'), path.join(dir, 'data.csv'));
  assert.equal(b.resolve('sub/test.csv'), path.join(dir, 'sub', 'test.csv'));
  assert.deepEqual(b.folders, [], 'the webview may load nothing of a text dataset');
  for (const bad of ['other.csv', '../../etc/passwd', '/etc/passwd', 'sub', '']) {
    assert.throws(() => b.resolve(bad), OutsideRootError, bad);
  }
});

test('an image dataset: anything inside its folder, nothing outside, not through a link either', () => {
  const dir = path.join(tmp, 'images');
  fs.mkdirSync(path.join(dir, 'cat'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'cat', '1.png'), '');
  fs.symlinkSync('/etc', path.join(dir, 'cat', 'etc'));
  const b = new DatasetBoundary(dir);
  assert.ok(!b.matches('/'));
  assert.deepEqual(b.folders, [dir]);
  assert.equal(b.resolve('cat/1.png'), path.join(dir, 'cat', '1.png'));
  assert.equal(b.resolve('dog/1.png'), path.join(dir, 'dog', '1.png'), 'a move target that does not exist yet');
  for (const bad of ['../x.png', '/etc/passwd', 'cat/etc/passwd', 'cat/../../x'])
    assert.throws(() => b.resolve(bad), OutsideRootError, bad);
});

test('a separate test folder: the root is the common folder, but only the two folders are inside', () => {
  const train = path.join(tmp, 'split', 'train');
  const test = path.join(tmp, 'split', 'elsewhere', 'test');
  fs.mkdirSync(train, { recursive: true });
  fs.mkdirSync(test, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'split', 'secret.png'), '');
  const b = new DatasetBoundary(train, test);
  assert.equal(b.root, path.join(tmp, 'split'));
  assert.equal(b.resolve('elsewhere/test/a.png'), path.join(test, 'a.png'));
  assert.throws(
    () => b.resolve('secret.png'),
    OutsideRootError,
    'inside the common folder but in neither dataset folder',
  );
});
