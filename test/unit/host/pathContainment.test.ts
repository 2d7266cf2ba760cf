/**
 * Every path the host acts on (open, reveal, relabel, undo) comes from a
 * results file or a webview message — data — and goes through resolveInside
 * before anything is opened or written. Hostile paths are refused; whatever
 * is accepted lies inside the dataset root, also after following links.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { isInside, OutsideRootError, resolveInside } from '../../../src/host/paths';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'il-paths-'));
const root = path.join(base, 'dataset');
const outside = path.join(base, 'elsewhere');
fs.mkdirSync(path.join(root, 'cat'), { recursive: true });
fs.mkdirSync(outside);
fs.writeFileSync(path.join(root, 'cat', '1.png'), 'x');
fs.writeFileSync(path.join(outside, 'secret.txt'), 'x');
fs.symlinkSync(outside, path.join(root, 'link-out'));
fs.symlinkSync(path.join(root, 'cat'), path.join(root, 'link-in'));
// A link to a folder that does not exist (yet): whatever appears there later would receive the file.
fs.symlinkSync(path.join(outside, 'not-yet'), path.join(root, 'dangling'));

after(() => fs.rmSync(base, { recursive: true, force: true }));

test('hostile paths are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['..', /outside the dataset folder/],
    ['../elsewhere/secret.txt', /outside the dataset folder/],
    ['cat/../../elsewhere/secret.txt', /outside the dataset folder/],
    ['/etc/passwd', /absolute path/],
    [path.join(outside, 'secret.txt'), /absolute path/],
    ['C:\\Windows\\win.ini', /absolute path/],
    ['\\\\server\\share\\x', /absolute path/],
    ['cat/1.png\0.txt', /NUL/],
    ['link-out/secret.txt', /through a link/],
    // A move target that does not exist yet, inside a linked folder outside the root.
    ['link-out/new/dog.png', /through a link/],
    ['dangling/dog.png', /link to something that does not exist/],
    ['dangling', /link to something that does not exist/],
  ];
  for (const [relative, reason] of cases) {
    assert.throws(
      () => resolveInside(root, relative),
      (e: unknown) => e instanceof OutsideRootError && reason.test(e.message),
      relative,
    );
  }
});

test('ordinary paths inside the root resolve, links that stay inside included', () => {
  assert.equal(resolveInside(root, 'cat/1.png'), path.join(root, 'cat', '1.png'));
  assert.equal(resolveInside(root, 'cat/./../cat/1.png'), path.join(root, 'cat', '1.png'));
  assert.equal(resolveInside(root, 'link-in/1.png'), path.join(root, 'link-in', '1.png'));
  assert.equal(
    resolveInside(root, 'dog/2.png'),
    path.join(root, 'dog', '2.png'),
    'a relabel target that does not exist yet',
  );
});

test('property: whatever resolveInside accepts lies inside the root, lexically and through links', () => {
  const segment = fc.constantFrom(
    '..',
    '.',
    '',
    'cat',
    '1.png',
    'link-out',
    'link-in',
    'dog',
    'a b',
    '..\\..',
    '%2e%2e',
  );
  fc.assert(
    fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (parts) => {
      const relative = parts.join('/');
      let resolved: string;
      try {
        resolved = resolveInside(root, relative);
      } catch (e) {
        assert.ok(e instanceof OutsideRootError, `${relative}: ${(e as Error).stack}`);
        return;
      }
      assert.ok(isInside(root, resolved), `${relative} → ${resolved}`);
      let real = resolved;
      while (!fs.existsSync(real)) real = path.dirname(real);
      assert.ok(isInside(fs.realpathSync(root), fs.realpathSync(real)), `${relative} → ${real} through links`);
    }),
    { numRuns: 1000, seed: 3 },
  );
});
