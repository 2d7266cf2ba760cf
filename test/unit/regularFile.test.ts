import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readRegularFileSync } from '../../src/compute/regularFile';

test('a regular file’s bytes, whole; undefined for a folder or a FIFO (without blocking); errors for the rest', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'il-regular-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Larger than one read of the pipe buffers (several readSync calls may be needed).
  const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251));
  const file = path.join(dir, 'a.bin');
  writeFileSync(file, bytes);
  assert.ok(readRegularFileSync(file)?.equals(bytes));
  writeFileSync(path.join(dir, 'empty'), '');
  assert.equal(readRegularFileSync(path.join(dir, 'empty'))?.length, 0);
  symlinkSync(file, path.join(dir, 'link'));
  assert.ok(readRegularFileSync(path.join(dir, 'link'))?.equals(bytes));
  assert.equal(readRegularFileSync(dir), undefined);
  assert.throws(() => readRegularFileSync(path.join(dir, 'missing')), /ENOENT/);

  // A FIFO with no writer: a blocking open would wait for one for good, so this case runs in a child with a limit.
  const fifo = path.join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const module = path.resolve(__dirname, '../../src/compute/regularFile.ts');
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `console.log(String(require(${JSON.stringify(module)}).readRegularFileSync(${JSON.stringify(fifo)})))`,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(child.error, undefined, 'the read of a FIFO blocked');
  assert.equal(child.stdout.trim(), 'undefined', child.stderr);
});
