/**
 * The code cache beside a bundle (codeCache.ts): written on the first start, accepted on the next, and never trusted
 * when it is not this bundle's or not intact — a rebuilt bundle of the same length, a torn or corrupt file — nor
 * fatal when it cannot be written. Each case runs a real CommonJS bundle and checks what it computed.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { codeCachePath, runBundleWithCodeCache } from '../../../src/compute/process/codeCache';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-codecache-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A bundle that records what it sees into a global: its module wrapper's arguments and a value its functions compute,
 * with enough functions that V8 has something to cache.
 */
function writeBundle(name: string, factor: number): string {
  const file = path.join(dir, name);
  const helpers = Array.from({ length: 50 }, (_, k) => `function f${k}(x) { return x * ${factor} + ${k}; }`);
  const calls = Array.from({ length: 50 }, (_, k) => `f${k}(1)`).join(' + ');
  fs.writeFileSync(
    file,
    `${helpers.join('\n')}\n` +
      `globalThis.__bundleSaw = { sum: ${calls}, filename: __filename, dirname: __dirname, ` +
      `exportsIsModuleExports: exports === module.exports, resolvesBeside: require.resolve('./peer.js') };\n` +
      `module.exports.answer = 42;\n`,
  );
  fs.writeFileSync(path.join(dir, 'peer.js'), 'module.exports = 1;\n');
  return file;
}

/** What the bundle computed when run: sum over k of (factor + k). */
function expectedSum(factor: number): number {
  return 50 * factor + (49 * 50) / 2;
}

function saw(): {
  sum: number;
  filename: string;
  dirname: string;
  exportsIsModuleExports: boolean;
  resolvesBeside: string;
} {
  return (globalThis as unknown as { __bundleSaw: ReturnType<typeof saw> }).__bundleSaw;
}

test('the first start writes the cache beside the bundle, the next one uses it, and both run the bundle', () => {
  const bundle = writeBundle('a.js', 3);
  assert.equal(runBundleWithCodeCache(bundle), 'written');
  assert.ok(fs.statSync(codeCachePath(bundle)).size > 0);
  assert.equal(saw().sum, expectedSum(3));
  assert.equal(runBundleWithCodeCache(bundle), 'used');
  assert.equal(saw().sum, expectedSum(3));
  // The bundle runs as Node's loader would run it.
  assert.equal(saw().filename, bundle);
  assert.equal(saw().dirname, dir);
  assert.equal(saw().exportsIsModuleExports, true);
  assert.equal(saw().resolvesBeside, path.join(dir, 'peer.js'));
  // No temporary file is left behind.
  assert.deepEqual(fs.readdirSync(dir).sort(), ['a.js', 'a.js.v8cache', 'peer.js']);
});

test('a rebuilt bundle of the same length does not run the old code: its cache is ignored and rewritten', () => {
  const bundle = writeBundle('b.js', 3);
  runBundleWithCodeCache(bundle);
  const before = fs.statSync(bundle).size;
  writeBundle('b.js', 7);
  assert.equal(fs.statSync(bundle).size, before);
  assert.equal(runBundleWithCodeCache(bundle), 'written');
  assert.equal(saw().sum, expectedSum(7));
  assert.equal(runBundleWithCodeCache(bundle), 'used');
  assert.equal(saw().sum, expectedSum(7));
});

test('a corrupt or torn cache is ignored, the bundle still runs, and the cache is rewritten', () => {
  const bundle = writeBundle('c.js', 5);
  runBundleWithCodeCache(bundle);
  const cache = codeCachePath(bundle);
  const good = fs.readFileSync(cache);
  const corrupt = Buffer.from(good);
  corrupt[corrupt.length - 10] ^= 0xff;
  for (const bad of [corrupt, good.subarray(0, good.length >> 1), Buffer.alloc(0), Buffer.from('not a cache')]) {
    fs.writeFileSync(cache, bad);
    assert.equal(runBundleWithCodeCache(bundle), 'written');
    assert.equal(saw().sum, expectedSum(5));
    assert.equal(runBundleWithCodeCache(bundle), 'used');
  }
});

test('a directory that cannot be written runs the bundle without a cache', { skip: process.getuid?.() === 0 }, () => {
  const bundle = writeBundle('d.js', 2);
  fs.chmodSync(dir, 0o555);
  try {
    assert.equal(runBundleWithCodeCache(bundle), 'unwritable');
    assert.equal(saw().sum, expectedSum(2));
    assert.equal(fs.existsSync(codeCachePath(bundle)), false);
  } finally {
    fs.chmodSync(dir, 0o755);
  }
});

test('a cache file that cannot be replaced (a directory in its place) runs the bundle without a cache', () => {
  const bundle = writeBundle('e.js', 4);
  fs.mkdirSync(codeCachePath(bundle));
  assert.equal(runBundleWithCodeCache(bundle), 'unwritable');
  assert.equal(saw().sum, expectedSum(4));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['e.js', 'e.js.v8cache', 'peer.js']);
});

test("a FIFO in the cache's place is not read (it would block the start for good): replaced by a written cache", () => {
  const bundle = writeBundle('fifo.js', 6);
  execFileSync('mkfifo', [codeCachePath(bundle)]);
  // In a child process with a time limit, so a start blocked on the FIFO fails the test instead of hanging it.
  const loader = path.resolve(__dirname, '../../../src/compute/process/codeCache.ts');
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `const outcome = require(${JSON.stringify(loader)}).runBundleWithCodeCache(${JSON.stringify(bundle)});` +
        'console.log(outcome, globalThis.__bundleSaw.sum);',
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(run.error, undefined, 'the start blocked on the FIFO');
  assert.equal(run.stdout.trim(), `written ${expectedSum(6)}`);
  assert.ok(fs.statSync(codeCachePath(bundle)).isFile());
  assert.equal(runBundleWithCodeCache(bundle), 'used');
});

test('a thread started on the bundle through the cache sees its workerData and talks to its parent', async () => {
  const file = path.join(dir, 'worker.js');
  fs.writeFileSync(
    file,
    "const { parentPort, workerData } = require('node:worker_threads');\n" +
      'parentPort.postMessage(workerData.x * 2);\n',
  );
  for (const expected of ['written', 'used']) {
    // What the bundled startBundleWorker runs in the new thread (there, codeCache.js is the bundled codeCache.ts).
    const loader = path.resolve(__dirname, '../../../src/compute/process/codeCache.ts');
    const worker = new Worker(
      `require('tsx/cjs'); const outcome = require(${JSON.stringify(loader)}).runBundleWithCodeCache(${JSON.stringify(file)});` +
        "require('node:worker_threads').parentPort.postMessage(outcome);",
      { eval: true, workerData: { x: 21 } },
    );
    const messages: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (m) => messages.push(m));
      worker.on('error', reject);
      worker.on('exit', () => resolve());
    });
    assert.deepEqual(messages, [42, expected]);
  }
});
