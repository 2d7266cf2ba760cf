import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NotRegularFileError, readRegularFile, readRegularFileSync } from '../../src/compute/regularFile';
import { makeFifo } from '../helpers/fifo';

const dir = mkdtempSync(path.join(tmpdir(), 'il-regular-'));
// After every test's own cleanup, which ends any read a regression left waiting on a FIFO here.
after(() => rmSync(dir, { recursive: true, force: true }));

test(
  'a regular file’s bytes; a folder or a FIFO refused without blocking; a size refused before reading',
  { timeout: 30_000 },
  async (t) => {
    // Large enough that a short read would lose something.
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251));
    const file = path.join(dir, 'a.bin');
    writeFileSync(file, bytes);
    assert.ok(readRegularFileSync(file)?.equals(bytes));
    writeFileSync(path.join(dir, 'empty'), '');
    assert.equal(readRegularFileSync(path.join(dir, 'empty'))?.length, 0);
    symlinkSync(file, path.join(dir, 'link'));
    assert.ok(readRegularFileSync(path.join(dir, 'link'))?.equals(bytes));
    assert.throws(() => readRegularFileSync(dir), NotRegularFileError);
    assert.throws(() => readRegularFileSync(path.join(dir, 'missing')), /ENOENT/);
    const tooLarge = (size: number) => {
      if (size > 1000) throw new RangeError(`${size} bytes`);
    };
    assert.throws(() => readRegularFileSync(file, tooLarge), /300000 bytes/);
    await assert.rejects(readRegularFile(file, tooLarge), /300000 bytes/);
    assert.ok((await readRegularFile(file)).equals(bytes));
    await assert.rejects(readRegularFile(dir), NotRegularFileError);

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
        `try { require(${JSON.stringify(module)}).readRegularFileSync(${JSON.stringify(fifo)}); } ` +
          'catch (e) { console.log(e.name); }',
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    assert.equal(child.error, undefined, 'the read of a FIFO blocked');
    assert.equal(child.stdout.trim(), 'NotRegularFileError', child.stderr);
    // And through the thread pool (a blocked open would time this test out and hold the pool).
    makeFifo(t, path.join(dir, 'pipe2'));
    await assert.rejects(readRegularFile(path.join(dir, 'pipe2')), NotRegularFileError);
  },
);
