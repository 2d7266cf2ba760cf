/**
 * writeFileAtomic: readers see the old content or the complete new one, and a
 * failed write leaves the old file and no temp file (results/writeAtomic.ts).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../../src/compute/results/writeAtomic';
import { REPO, leftoverTempFiles, makeTempDir } from '../../helpers/cli';

const root = makeTempDir('atomic');
after(() => fs.rmSync(root, { recursive: true, force: true }));

let dirNo = 0;
const freshDir = () => {
  const dir = path.join(root, `d${dirNo++}`);
  fs.mkdirSync(dir);
  return dir;
};

describe('writeFileAtomic', () => {
  test('creates the file, then replaces its content (string and bytes); no temp file remains', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'results.json');
    await writeFileAtomic(target, '{"v":1}');
    assert.equal(fs.readFileSync(target, 'utf8'), '{"v":1}');
    await writeFileAtomic(target, 'x');
    assert.equal(fs.readFileSync(target, 'utf8'), 'x', 'shorter content replaces, not overwrites in place');
    await writeFileAtomic(target, Uint8Array.from([0, 255, 10]));
    assert.deepEqual(Array.from(fs.readFileSync(target)), [0, 255, 10]);
    assert.deepEqual(fs.readdirSync(dir), ['results.json']);
  });

  test('a failing rename (the target is a folder) rejects, leaves the folder alone and no temp file', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'results.json');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep.txt'), 'keep');
    await assert.rejects(
      writeFileAtomic(target, 'new content'),
      (e: NodeJS.ErrnoException) => typeof e.code === 'string',
    );
    assert.equal(fs.readFileSync(path.join(target, 'keep.txt'), 'utf8'), 'keep');
    assert.deepEqual(leftoverTempFiles(dir), []);
    assert.deepEqual(fs.readdirSync(dir), ['results.json']);
  });

  test('a missing folder rejects with ENOENT and creates nothing', async () => {
    const dir = freshDir();
    await assert.rejects(writeFileAtomic(path.join(dir, 'missing', 'results.json'), 'x'), { code: 'ENOENT' });
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('a write that fails midway (file size limit → EFBIG) leaves the old file intact and no temp file', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'results.json');
    fs.writeFileSync(target, 'old content');
    // A child with a 64 KiB file size limit writes 1 MiB (Node ignores SIGXFSZ, so write() fails with EFBIG).
    const child = path.join(dir, '..', `child-${dirNo}.ts`);
    const modulePath = path.join(REPO, 'src', 'compute', 'results', 'writeAtomic.ts');
    fs.writeFileSync(
      child,
      `import { writeFileAtomic } from ${JSON.stringify(modulePath)};\n` +
        `writeFileAtomic(process.argv[2], 'x'.repeat(1 << 20)).then(\n` +
        `  () => console.log(JSON.stringify({ ok: true })),\n` +
        `  (e: NodeJS.ErrnoException) => console.log(JSON.stringify({ ok: false, code: e.code })),\n);\n`,
    );
    const output = await new Promise<string>((resolve, reject) => {
      const p = spawn(
        'bash',
        ['-c', `ulimit -f 64; exec "$0" --import tsx "$1" "$2"`, process.execPath, child, target],
        {
          cwd: REPO,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      p.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
      p.on('error', reject);
      p.on('close', () => resolve(out));
    });
    assert.deepEqual(JSON.parse(output), { ok: false, code: 'EFBIG' }, 'the write failed');
    assert.equal(fs.readFileSync(target, 'utf8'), 'old content', 'the old file is intact');
    assert.deepEqual(leftoverTempFiles(dir), [], 'no temp file');
  });

  test('two writes to the same file at once: the result is one of the two contents, complete', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'results.json');
    const long = 'A'.repeat(200_000);
    const short = 'B'.repeat(10);
    for (let attempt = 0; attempt < 5; attempt++) {
      const settled = await Promise.allSettled([writeFileAtomic(target, long), writeFileAtomic(target, short)]);
      assert.deepEqual(
        settled.map((s) => s.status),
        ['fulfilled', 'fulfilled'],
        'both writes succeed',
      );
      const content = fs.readFileSync(target, 'utf8');
      assert.ok(
        content === long || content === short,
        `attempt ${attempt}: got ${content.length} chars starting ${content.slice(0, 12)}`,
      );
      assert.deepEqual(leftoverTempFiles(dir), []);
    }
  });
});
