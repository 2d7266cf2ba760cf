/**
 * `analyze --out` never replaces what is not a results file (issue 12, items
 * 1, 2 and 14): devices, FIFOs, sockets and folders are refused before any
 * work; so is the dataset itself (by inode: also through a symlink or a hard
 * link), the test file, a side file the run reads, any existing file the tool
 * did not write, and a place inside an image dataset; an unwritable
 * folder is found before training; a full disk is a clear exit-2 message that
 * keeps the old file; temp files of a writer killed mid-write are removed at
 * the next run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { checkOutputTarget, inputFiles, SAVED_FIT } from '../../../src/cli/outputTarget';
import { FIT_MAGIC } from '../../../src/compute/pipeline/fitFile';
import { InputError } from '../../../src/compute/errors';
import { NotARegularFileError, removeStaleTemps, writeFileAtomic } from '../../../src/compute/results/writeAtomic';
import {
  CLI,
  describeRun,
  ensureBuilt,
  leftoverTempFiles,
  makeTempDir,
  runCli,
  writeBlobsCsv,
} from '../../helpers/cli';

const root = makeTempDir('out-target');
const isRoot = process.getuid?.() === 0;
after(() => fs.rmSync(root, { recursive: true, force: true }));

let n = 0;
const fresh = () => {
  const dir = path.join(root, `case${n++}`);
  fs.mkdirSync(dir);
  return dir;
};

function dataset(dir: string): string {
  return writeBlobsCsv(path.join(dir, 'data.csv'), { n: 40, classes: ['a', 'b'], seed: 1 }).file;
}

const refuses = (detail: RegExp) => (e: unknown) => e instanceof InputError && detail.test(e.message);

describe('checkOutputTarget', () => {
  test('a folder, a FIFO and a socket are refused and left as they are', async () => {
    const dir = fresh();
    const data = dataset(dir);
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(
      checkOutputTarget(fifo, { datasetPath: data }),
      refuses(/named pipe \(FIFO\); expected a regular file/),
    );
    assert.ok(fs.statSync(fifo).isFIFO());
    await assert.rejects(
      checkOutputTarget(dir, { datasetPath: data }),
      refuses(/is a folder; expected a regular file/),
    );
    const socketPath = path.join(dir, 'sock');
    const server = net.createServer().listen(socketPath);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      await assert.rejects(checkOutputTarget(socketPath, { datasetPath: data }), refuses(/is a socket/));
    } finally {
      server.close();
    }
  });

  test(
    'a character device is refused (a device node made in a temp folder; root only)',
    { skip: !isRoot && 'mknod needs root' },
    async () => {
      const dir = fresh();
      const dev = path.join(dir, 'full');
      execFileSync('mknod', [dev, 'c', '1', '7']); // the same device as /dev/full
      await assert.rejects(checkOutputTarget(dev, { datasetPath: dataset(dir) }), refuses(/is a character device/));
      assert.ok(fs.statSync(dev).isCharacterDevice());
    },
  );

  test('the dataset itself, a symlink to it, a hard link to it and the test file are refused', async () => {
    const dir = fresh();
    const data = dataset(dir);
    const testFile = writeBlobsCsv(path.join(dir, 'test.csv'), { n: 10, classes: ['a', 'b'], seed: 2 }).file;
    fs.symlinkSync(data, path.join(dir, 'link.csv'));
    fs.linkSync(data, path.join(dir, 'hard.csv'));
    for (const out of [
      data,
      path.join(dir, 'link.csv'),
      path.join(dir, 'hard.csv'),
      path.join(dir, '.', 'sub', '..', 'data.csv'),
    ]) {
      fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
      await assert.rejects(
        checkOutputTarget(out, { datasetPath: data, testPath: testFile }),
        refuses(/is the input .* itself/),
        out,
      );
    }
    await assert.rejects(
      checkOutputTarget(testFile, { datasetPath: data, testPath: testFile }),
      refuses(/is the input .*test\.csv itself/),
    );
  });

  test('inside an image dataset folder (also through a linked folder) is refused; beside it is fine', async () => {
    const dir = fresh();
    const images = path.join(dir, 'images');
    fs.mkdirSync(path.join(images, 'cat'), { recursive: true });
    fs.symlinkSync(path.join(images, 'cat'), path.join(dir, 'catlink'));
    for (const out of [
      path.join(images, 'r.json'),
      path.join(images, 'cat', 'r.json'),
      path.join(dir, 'catlink', 'r.json'),
    ]) {
      await assert.rejects(
        checkOutputTarget(out, { datasetPath: images }),
        refuses(/inside the image dataset folder/),
        out,
      );
    }
    assert.equal(await checkOutputTarget(path.join(dir, 'r.json'), { datasetPath: images }), path.join(dir, 'r.json'));
  });

  test('a side file the run reads (embeddings, probabilities, the model) is refused, untouched', async () => {
    const dir = fresh();
    const data = dataset(dir);
    const embeddings = path.join(dir, 'emb.csv');
    fs.writeFileSync(embeddings, '0.1,0.2\n');
    const model = path.join(dir, 'm.onnx');
    fs.writeFileSync(model, 'onnx');
    const spec = path.join(dir, 'm.preprocess.json');
    fs.writeFileSync(spec, '{}');
    const sideFiles = inputFiles({ embeddingsFile: embeddings, modelFile: model });
    assert.deepEqual(sideFiles, [embeddings, model, spec], 'the default preprocessing file beside the model too');
    for (const file of sideFiles) {
      await assert.rejects(
        checkOutputTarget(file, { datasetPath: data, sideFiles }),
        refuses(/is the input .* itself \(the same file\); the results would overwrite the data/),
        file,
      );
    }
    assert.equal(fs.readFileSync(embeddings, 'utf8'), '0.1,0.2\n');
  });

  test('an existing file the tool did not write (an image a JSONL list names, any data) is refused', async () => {
    const dir = fresh();
    const data = dataset(dir);
    const image = path.join(dir, 'd0.png');
    fs.writeFileSync(image, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    await assert.rejects(
      checkOutputTarget(image, { datasetPath: data }),
      refuses(/already exists and is not an Influence Lens results file; the results would replace it/),
    );
    fs.writeFileSync(path.join(dir, 'fit.bin'), '{"schemaVersion":1}');
    await assert.rejects(
      checkOutputTarget(path.join(dir, 'fit.bin'), { datasetPath: data }, '--fit-cache', SAVED_FIT),
      refuses(/already exists and is not a fit Influence Lens saved; the saved fit would replace it/),
    );
    // What it wrote itself, or an empty file, may be replaced.
    fs.writeFileSync(path.join(dir, 'fit.bin'), Buffer.concat([Buffer.from(FIT_MAGIC, 'latin1'), Buffer.alloc(8)]));
    await checkOutputTarget(path.join(dir, 'fit.bin'), { datasetPath: data }, '--fit-cache', SAVED_FIT);
    fs.writeFileSync(path.join(dir, 'empty.json'), '');
    await checkOutputTarget(path.join(dir, 'empty.json'), { datasetPath: data });
    assert.deepEqual([...fs.readFileSync(image)], [0x89, 0x50, 0x4e, 0x47]);
  });

  test('a folder that cannot take a new file is found before the run (/sys refuses even root)', async () => {
    await assert.rejects(
      checkOutputTarget('/sys/results.json', { datasetPath: '/nonexistent.csv' }),
      refuses(/cannot be written: creating a file in \/sys failed/),
    );
    await assert.rejects(
      checkOutputTarget(path.join(root, 'missing', 'r.json'), { datasetPath: '/x.csv' }),
      refuses(/does not exist/),
    );
  });

  test(
    'a new name and an existing results file are accepted; a symlink to a ' +
      'results file resolves to the file it names',
    async () => {
      const dir = fresh();
      const data = dataset(dir);
      assert.equal(
        await checkOutputTarget(path.join(dir, 'new.json'), { datasetPath: data }),
        path.join(dir, 'new.json'),
      );
      fs.writeFileSync(path.join(dir, 'old.json'), '{"schemaVersion":1}');
      fs.symlinkSync(path.join(dir, 'old.json'), path.join(dir, 'latest.json'));
      assert.equal(
        await checkOutputTarget(path.join(dir, 'latest.json'), { datasetPath: data }),
        fs.realpathSync(path.join(dir, 'old.json')),
      );
      assert.deepEqual(leftoverTempFiles(dir), [], 'the write probe is removed');
    },
  );
});

describe('writeFileAtomic over a special file', () => {
  test('a FIFO or a symlink target is refused and left as it is', async () => {
    const dir = fresh();
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(writeFileAtomic(fifo, 'x'), NotARegularFileError);
    assert.ok(fs.statSync(fifo).isFIFO());
    fs.writeFileSync(path.join(dir, 'real'), 'keep');
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
    await assert.rejects(writeFileAtomic(path.join(dir, 'link'), 'x'), NotARegularFileError);
    assert.ok(fs.lstatSync(path.join(dir, 'link')).isSymbolicLink());
    assert.deepEqual(leftoverTempFiles(dir), []);
  });
});

describe('removeStaleTemps', () => {
  test('removes the temp files of dead writers only', async () => {
    const dir = fresh();
    const target = path.join(dir, 'results.json');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const deadTemp = `.results.json.${dead}.0123456789ab.tmp`;
    const liveTemp = `.results.json.${process.pid}.0123456789ab.tmp`;
    const other = `.other.json.${dead}.0123456789ab.tmp`;
    for (const name of [deadTemp, liveTemp, other]) fs.writeFileSync(path.join(dir, name), '');
    assert.equal(await removeStaleTemps(target), 1);
    assert.deepEqual(fs.readdirSync(dir).sort(), [liveTemp, other].sort());
  });
});

describe('the CLI', () => {
  before(ensureBuilt);

  test('--out a FIFO: exit 2 before any work, the FIFO untouched', async () => {
    const dir = fresh();
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const run = await runCli(['analyze', dataset(dir), '--out', fifo]);
    assert.equal(run.code, 2, describeRun(run));
    assert.match(run.stderr, /pipe: is a named pipe \(FIFO\); expected a regular file/);
    assert.doesNotMatch(run.stderr, /Training|Loading/i, 'refused before the run started');
    assert.ok(fs.statSync(fifo).isFIFO());
  });

  test('--out equal to the dataset: exit 2, the dataset byte-identical', async () => {
    const dir = fresh();
    const data = dataset(dir);
    const before = fs.readFileSync(data);
    const run = await runCli(['analyze', data, '--out', data]);
    assert.equal(run.code, 2, describeRun(run));
    assert.match(run.stderr, /data\.csv: is the input .*data\.csv itself/);
    assert.deepEqual(fs.readFileSync(data), before);
  });

  test(
    '--fit-cache whose kept-scores file (<fit>.scores) is a link to the ' +
      'dataset: exit 2 before any work, the dataset byte-identical',
    async () => {
      const dir = fresh();
      const data = dataset(dir);
      const before = fs.readFileSync(data);
      fs.symlinkSync(data, path.join(dir, 'fit.bin.scores'));
      const run = await runCli([
        'analyze',
        data,
        '--out',
        path.join(dir, 'r.json'),
        '--fit-cache',
        path.join(dir, 'fit.bin'),
      ]);
      assert.equal(run.code, 2, describeRun(run));
      assert.match(run.stderr, /fit\.bin\.scores: is the input .*data\.csv itself .*choose another --fit-cache/);
      assert.deepEqual(fs.readFileSync(data), before);
    },
  );

  test(
    '--fit-cache whose kept solves, searches or vectors (<fit>.scores.cg, .neighbours, .embeddings) link to the ' +
      'dataset: exit 2 before any work, the dataset byte-identical',
    async () => {
      for (const kept of ['fit.bin.scores.cg', 'fit.bin.neighbours', 'fit.bin.embeddings']) {
        const dir = fresh();
        const data = dataset(dir);
        const before = fs.readFileSync(data);
        fs.symlinkSync(data, path.join(dir, kept));
        const run = await runCli([
          'analyze',
          data,
          '--out',
          path.join(dir, 'r.json'),
          '--fit-cache',
          path.join(dir, 'fit.bin'),
        ]);
        assert.equal(run.code, 2, describeRun(run));
        assert.match(run.stderr, new RegExp(`${kept.replace(/\./g, '\\.')}: is the input .*data\\.csv itself`));
        assert.deepEqual(fs.readFileSync(data), before);
      }
    },
  );

  test('--out in a folder that refuses new files: exit 2 before the run, not a stack trace after it', async () => {
    const dir = fresh();
    const run = await runCli(['analyze', dataset(dir), '--out', '/sys/results.json']);
    assert.equal(run.code, 2, describeRun(run));
    assert.match(run.stderr, /cannot be written: creating a file in \/sys failed \(EACCES\)/);
    assert.doesNotMatch(run.stderr, /internal error|at .*\.js:\d+/);
  });

  test(
    'a results write that fails for lack of room (file size limit): exit 2 ' +
      'with a clear message, the old file kept',
    async () => {
      const dir = fresh();
      const data = writeBlobsCsv(path.join(dir, 'data.csv'), { n: 300, classes: ['a', 'b'], seed: 1 }).file;
      const out = path.join(dir, 'results.json');
      fs.writeFileSync(out, '{"schemaVersion":1,"old":true}');
      // 16 KiB is below the size of the results and above what the run writes before them.
      const child = spawn(
        'bash',
        [
          '-c',
          'ulimit -f 16; exec "$0" "$@"',
          process.execPath,
          CLI,
          'analyze',
          data,
          '--out',
          out,
          '--epochs',
          '2',
          '--no-progress',
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, NODE_OPTIONS: '' },
        },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 2, stderr);
      assert.match(
        stderr,
        /results\.json: .* while writing the results \([\d.]+ MB\); the previous file, if any, is unchanged/,
      );
      assert.equal(fs.readFileSync(out, 'utf8'), '{"schemaVersion":1,"old":true}');
      assert.deepEqual(leftoverTempFiles(dir), []);
    },
  );

  test(
    'a full disk (a 64 KiB tmpfs; root only): "no space left on the device", exit 2, old file kept',
    { skip: !isRoot && 'mounting needs root' },
    async (t) => {
      const mount = fresh();
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount], { stdio: 'pipe' });
      } catch {
        t.skip('this machine does not allow mounting a tmpfs');
        return;
      }
      try {
        const data = dataset(fresh());
        const out = path.join(mount, 'results.json');
        fs.writeFileSync(out, '{"schemaVersion":1,"old":true}');
        fs.writeFileSync(path.join(mount, 'filler'), Buffer.alloc(40 * 1024));
        const run = await runCli(['analyze', data, '--out', out, '--epochs', '2', '--no-progress']);
        assert.equal(run.code, 2, describeRun(run));
        assert.match(run.stderr, /no space left on the device while writing the results/);
        assert.equal(fs.readFileSync(out, 'utf8'), '{"schemaVersion":1,"old":true}');
        assert.deepEqual(leftoverTempFiles(mount), []);
      } finally {
        execFileSync('umount', [mount]);
      }
    },
  );

  test('a temp file left by a writer killed mid-write is removed by the next run', async () => {
    const dir = fresh();
    const out = path.join(dir, 'results.json');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.writeFileSync(path.join(dir, `.results.json.${dead}.00000000abcd.tmp`), '');
    const run = await runCli(['analyze', dataset(dir), '--out', out, '--epochs', '2', '--no-progress']);
    assert.equal(run.code, 0, describeRun(run));
    assert.deepEqual(leftoverTempFiles(dir), []);
    assert.ok(JSON.parse(fs.readFileSync(out, 'utf8')).train.length > 0);
  });
});
