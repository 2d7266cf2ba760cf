/**
 * The image walk's path shortcuts (pathsBelow.ts, and files.ts relativePosix over it) against Node's path.relative and
 * path.join, which they stand for:
 * the same strings on every path, the usual ones (normal paths below the root) and the unusual ones they hand back to
 * Node (dots, doubled or trailing slashes, the root itself, relative roots, paths outside).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { relativePosix } from '../../../src/compute/data/files';
import { isNormalNames, joinEntry, joinerUnder } from '../../../src/compute/data/pathsBelow';

const nodeRelative = (root: string, target: string) => path.relative(root, target).split(path.sep).join('/');

/** Deterministic pseudo-random paths over segments that include every special case. */
function randomPaths(count: number, seed: number): string[] {
  const segments = ['a', 'b', 'train', '.', '..', '', '.hidden', '...', 'x.png', 'ü', 'a b'];
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31), s / 2 ** 31);
  return Array.from({ length: count }, () => {
    const n = 1 + Math.floor(next() * 5);
    const parts = Array.from({ length: n }, () => segments[Math.floor(next() * segments.length)]);
    const lead = next() < 0.8 ? '/' : '';
    return lead + parts.join('/') + (next() < 0.1 ? '/' : '');
  });
}

test('isNormalNames: what path.posix.normalize leaves unchanged, without a trailing slash or . and .. segments', () => {
  const cases = [
    '/',
    '/a',
    '/a/b',
    'a/b',
    '.',
    '..',
    '../a',
    '',
    '/a/',
    '//a',
    '/a//b',
    '/a/./b',
    '/a/../b',
    '/a/..',
    '/.a',
    '/...',
  ];
  for (const p of [...cases, ...randomPaths(2000, 1)]) {
    const names = p.split('/').every((s) => s !== '.' && s !== '..');
    const trailing = p !== '/' && p.endsWith('/');
    assert.equal(isNormalNames(p), p !== '' && path.posix.normalize(p) === p && names && !trailing, p);
  }
});

test('relativePosix is path.relative with forward slashes, below the root or not', () => {
  const pairs: [string, string][] = [
    ['/data/mnist', '/data/mnist/train/3/x.png'],
    ['/data/mnist', '/data/mnist'],
    ['/data/mnist', '/data/mnist/'],
    ['/data/mnist', '/data/mnistic/x.png'],
    ['/data/mnist', '/data/other/x.png'],
    ['/data/mnist/', '/data/mnist/x.png'],
    ['/data/mnist', '/data/mnist/./x.png'],
    ['/data/mnist', '/data/mnist/a/../x.png'],
    ['/data/mnist', '/data/mnist//x.png'],
    ['/', '/x.png'],
    ['data', 'data/x.png'],
    ['/data/./mnist', '/data/./mnist/x.png'],
  ];
  const random = randomPaths(600, 7);
  for (let i = 0; i + 1 < random.length; i += 2) {
    pairs.push([random[i], random[i + 1]], [random[i], `${random[i]}/${random[i + 1]}`]);
  }
  for (const [root, target] of pairs) {
    assert.equal(relativePosix(root, target), nodeRelative(root, target), `${root} → ${target}`);
  }
});

test('joinEntry is path.join of a folder and one of its entries', () => {
  const dirs = [
    '/',
    '/data',
    '/data/',
    '.',
    '',
    'data',
    'data/x',
    '/data/./x',
    '/data/../x',
    '//data',
    ...randomPaths(300, 3),
  ];
  for (const dir of dirs) {
    for (const name of ['x.png', '.hidden', '...', 'a b'])
      assert.equal(joinEntry(dir, name), path.join(dir, name), `${dir} + ${name}`);
  }
});

test('joinerUnder(base) is path.join(base, ·) for the relative paths the loader gives it, and any other', () => {
  const bases = [
    '/data/mnist',
    '/data/mnist/',
    'mnist',
    './mnist',
    '.',
    '',
    '/',
    '..',
    'a/..',
    '/data//mnist',
    ...randomPaths(100, 5),
  ];
  const rels = ['x.png', 'train/3/x.png', '', '.', '..', '../x', './x', 'a//b', '/abs', 'a/', ...randomPaths(50, 9)];
  for (const base of bases) {
    const join = joinerUnder(base);
    for (const rel of rels) assert.equal(join(rel), path.join(base, rel), `${base} + ${rel}`);
  }
});
