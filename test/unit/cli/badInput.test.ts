/**
 * Bad input through the real command line: exit code 2, one message on stderr
 * that names the file, the line and what was expected, and no results file
 * (not even a leftover temp file) — README "Exit codes", DESIGN.md §1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import {
  type CliRun,
  describeRun,
  ensureBuilt,
  leftoverTempFiles,
  makeTempDir,
  runCli,
  writeBlobsCsv,
} from '../../helpers/cli';

const root = makeTempDir('badinput');
after(() => fs.rmSync(root, { recursive: true, force: true }));

const FAST = ['--no-progress', '--workers', '1', '--epochs', '2'];

interface Case {
  /** The dataset (or folder) handed to `analyze`. */
  dataset: string;
  /** The results path; its folder holds nothing else. */
  out: string;
  run: CliRun;
}

let caseNo = 0;
/** Runs `analyze dataset --out <empty folder>/results.json …extra`. */
async function analyzeInto(dataset: string, extra: string[] = []): Promise<Case> {
  const outDir = path.join(root, `out-${caseNo++}`);
  fs.mkdirSync(outDir);
  const out = path.join(outDir, 'results.json');
  const run = await runCli(['analyze', dataset, '--out', out, ...FAST, ...extra]);
  return { dataset, out, run };
}

/** Exit 2, an `error: <file>…` message with `expected`, nothing written next to --out. */
function assertRejected(c: Case, fileName: string): string {
  assert.equal(c.run.code, 2, describeRun(c.run));
  assert.equal(c.run.stdout, '', 'nothing on stdout');
  const message = c.run.stderr.trim();
  assert.match(message, /^error: /, 'one error line, not a stack trace');
  assert.doesNotMatch(message, /\n\s+at /, 'no stack trace');
  assert.ok(message.includes(fileName), `names the file ${fileName}: ${message}`);
  assert.match(message, /expected/i, `says what was expected: ${message}`);
  assert.equal(fs.existsSync(c.out), false, 'no results file');
  assert.deepEqual(leftoverTempFiles(path.dirname(c.out)), [], 'no temp file left');
  assert.deepEqual(fs.readdirSync(path.dirname(c.out)), [], 'nothing written at all');
  return message;
}

/** A small valid RGBA PNG whose brightness depends on the class. */
function png(seed: number, bright: boolean): Buffer {
  const image = new PNG({ width: 8, height: 8 });
  for (let p = 0; p < 64; p++) {
    const v = (bright ? 160 : 20) + ((p * 37 + seed * 11) % 60);
    image.data.set([v, v, v, 255], 4 * p);
  }
  return PNG.sync.write(image);
}

before(async () => {
  await ensureBuilt();
});

describe('analyze rejects bad CSV input with exit 2 and file:line', () => {
  let data: ReturnType<typeof writeBlobsCsv>;
  const cases = new Map<string, Case>();

  before(async () => {
    data = writeBlobsCsv(path.join(root, 'good', 'data.csv'), { n: 40, classes: ['a', 'b'], seed: 1 });
    const text = fs.readFileSync(data.file, 'utf8').split('\n');

    // A ragged row after multi-line records, so its line is not row + 2.
    const raggedRecord = data.records[20];
    assert.ok(raggedRecord.line > raggedRecord.row + 2, 'fixture: the ragged record sits after a multi-line field');
    const ragged = [...text];
    ragged[raggedRecord.line - 1] = '1.0,2.0,a'; // 3 fields, the header has 5
    fs.writeFileSync(path.join(root, 'ragged.csv'), ragged.join('\n'));

    // Non-numeric junk in a numeric column (x2 of the record at data row 30).
    const junkRecord = data.records[30];
    const junk = [...text];
    const cells = junk[junkRecord.line - 1].split(',');
    cells[1] = 'n/a-ish';
    junk[junkRecord.line - 1] = cells.join(',');
    fs.writeFileSync(path.join(root, 'junk.csv'), junk.join('\n'));

    // One class only.
    fs.writeFileSync(
      path.join(root, 'oneclass.csv'),
      text.map((l, i) => (i === 0 ? l : l.replace(/,b$/, ',a'))).join('\n'),
    );
    fs.writeFileSync(path.join(root, 'empty.csv'), '');

    const runs = await Promise.all([
      analyzeInto(path.join(root, 'ragged.csv')),
      analyzeInto(path.join(root, 'junk.csv')),
      analyzeInto(path.join(root, 'oneclass.csv')),
      analyzeInto(path.join(root, 'empty.csv')),
      analyzeInto(data.file, ['--label-column', 'species']),
    ]);
    for (const [name, c] of ['ragged', 'junk', 'oneclass', 'empty', 'labelColumn'].map((n, i) => [n, runs[i]] as const))
      cases.set(name, c);
  });

  test('a ragged row: names file:line of the record and the expected field count', () => {
    const line = data.records[20].line;
    const message = assertRejected(cases.get('ragged')!, 'ragged.csv');
    assert.ok(message.includes(`ragged.csv:${line}`), `names ragged.csv:${line}: ${message}`);
    assert.match(message, /5 fields|header has 5/, 'says how many fields the header has');
  });

  test('non-numeric junk in a numeric column: names file:line, the column and the value', () => {
    const line = data.records[30].line;
    const message = assertRejected(cases.get('junk')!, 'junk.csv');
    assert.ok(message.includes(`junk.csv:${line}`), `names junk.csv:${line}: ${message}`);
    assert.ok(message.includes("'x2'"), 'names the column');
    assert.ok(message.includes('n/a-ish'), 'quotes the bad value');
    assert.match(message, /expected a number/);
  });

  test('a --label-column that does not exist: names the header line and the columns there are', () => {
    const message = assertRejected(cases.get('labelColumn')!, 'data.csv');
    assert.ok(message.includes('data.csv:1'), `names the header line: ${message}`);
    assert.ok(message.includes("'species'"), 'names the missing column');
    for (const column of ['x1', 'x2', 'x3', 'note', 'label'])
      assert.ok(message.includes(`'${column}'`), `lists '${column}'`);
  });

  test('a CSV with one class only: names the file, the class and that two are expected', () => {
    const message = assertRejected(cases.get('oneclass')!, 'oneclass.csv');
    assert.ok(message.includes("'a'"), 'names the only class');
    assert.match(message, /two classes/);
  });

  test(
    'a CSV with one class only: the message also names a line (README: ' +
      '"names the file, the line and what was expected")',
    () => {
      const message = cases.get('oneclass')!.run.stderr;
      assert.match(message, /oneclass\.csv:\d+/);
    },
  );

  test('an empty file: names the file and that a header line is expected', () => {
    const message = assertRejected(cases.get('empty')!, 'empty.csv');
    assert.match(message, /empty/);
    assert.match(message, /header/);
  });
});

describe('analyze rejects a corrupt image with exit 2 naming the image', () => {
  test('a folder of class folders with one corrupt PNG', async () => {
    const images = path.join(root, 'images');
    for (let i = 0; i < 6; i++) {
      fs.mkdirSync(path.join(images, 'cat'), { recursive: true });
      fs.mkdirSync(path.join(images, 'dog'), { recursive: true });
      fs.writeFileSync(path.join(images, 'cat', `c${i}.png`), png(i, true));
      fs.writeFileSync(path.join(images, 'dog', `d${i}.png`), png(i, false));
    }
    // A PNG cut off in the middle of its image data.
    const whole = png(99, true);
    fs.writeFileSync(path.join(images, 'dog', 'broken.png'), whole.subarray(0, Math.floor(whole.length / 2)));
    const c = await analyzeInto(images);
    const message = assertRejected(c, path.join('dog', 'broken.png'));
    assert.match(message, /PNG/);
  });

  test('a .png that is not an image at all', async () => {
    const images = path.join(root, 'images2');
    for (let i = 0; i < 4; i++) {
      fs.mkdirSync(path.join(images, 'cat'), { recursive: true });
      fs.mkdirSync(path.join(images, 'dog'), { recursive: true });
      fs.writeFileSync(path.join(images, 'cat', `c${i}.png`), png(i, true));
      fs.writeFileSync(path.join(images, 'dog', `d${i}.png`), png(i, false));
    }
    fs.writeFileSync(path.join(images, 'cat', 'notes.png'), 'this is text, not a PNG\n');
    const c = await analyzeInto(images);
    assertRejected(c, path.join('cat', 'notes.png'));
  });
});

describe('bad flag values exit with 2 before any work', () => {
  let data: string;
  before(() => {
    data = writeBlobsCsv(path.join(root, 'flags', 'data.csv'), { n: 30, classes: ['a', 'b'], seed: 2 }).file;
  });

  for (const [flag, value] of [
    ['--folds', 'abc'],
    ['--folds', '0'],
    ['--top-k', '2.5'],
    ['--model', 'forest'],
    ['--hidden', '64,,8'],
    ['--seed', '-1'],
  ] as const) {
    test(`${flag} ${value}`, async () => {
      const c = await analyzeInto(data, [flag, value]);
      assert.equal(c.run.code, 2, describeRun(c.run));
      assert.ok(c.run.stderr.includes(flag.replace(/^--/, '')), `names the option: ${c.run.stderr}`);
      assert.ok(c.run.stderr.includes(`'${value}'`), `quotes the value: ${c.run.stderr}`);
      assert.deepEqual(fs.readdirSync(path.dirname(c.out)), [], 'nothing written');
    });
  }

  test('an unknown option', async () => {
    const c = await analyzeInto(data, ['--fold', '3']);
    assert.equal(c.run.code, 2, describeRun(c.run));
    assert.match(c.run.stderr, /unknown option/);
  });

  test('a dataset that does not exist', async () => {
    const c = await analyzeInto(path.join(root, 'nope.csv'));
    assertRejected(c, 'nope.csv');
  });

  test('demo --samples out of range is bad input (exit 2), not an internal error', async () => {
    const out = path.join(root, 'demo-too-small');
    const run = await runCli(['demo', '--samples', '5', '--out', out, '--no-progress']);
    assert.equal(run.code, 2, describeRun(run));
    assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
    assert.match(run.stderr, /samples/);
  });

  test(
    '--out in a folder that does not exist: exit 2 naming the path (or the ' +
      'folder is created), never an internal error',
    async () => {
      const out = path.join(root, 'no-such-folder', 'results.json');
      const run = await runCli(['analyze', data, '--out', out, ...FAST]);
      if (run.code === 0) {
        assert.ok(fs.existsSync(out), 'exit 0 means the results file was written');
      } else {
        assert.equal(run.code, 2, describeRun(run));
        assert.ok(run.stderr.includes('no-such-folder'), run.stderr);
        assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
      }
    },
  );

  test('--out naming an existing folder: exit 2 naming it, never an internal error', async () => {
    const out = path.join(root, 'out-is-a-folder');
    fs.mkdirSync(out);
    const run = await runCli(['analyze', data, '--out', out, ...FAST]);
    assert.equal(run.code, 2, describeRun(run));
    assert.ok(run.stderr.includes('out-is-a-folder'), run.stderr);
    assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
    assert.deepEqual(leftoverTempFiles(root), []);
  });
});

describe('a pipe where a file is expected: exit 2 naming it, never a hang', () => {
  // A FIFO with no writer: an ordinary open would wait for one for good (each run is given 60 s).
  const good = () => writeBlobsCsv(path.join(root, 'fifo-good', 'data.csv'), { n: 40, classes: ['a', 'b'], seed: 2 });
  const fifo = (name: string) => {
    const file = path.join(root, 'fifos', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    execFileSync('mkfifo', [file]);
    return file;
  };
  const cases: [string, (pipe: string, data: string) => string[]][] = [
    ['data.csv', (pipe) => [pipe]],
    ['test.csv', (pipe, data) => [data, '--test', pipe]],
    ['vectors.npy', (pipe, data) => [data, '--embeddings-file', pipe]],
    ['model.onnx', (pipe, data) => [data, '--model-file', pipe]],
  ];
  for (const [name, args] of cases)
    test(`as ${name}`, async () => {
      const data = good().file;
      const pipe = fifo(name);
      const outDir = path.join(root, `out-${caseNo++}`);
      fs.mkdirSync(outDir);
      const out = path.join(outDir, 'results.json');
      const [dataset, ...extra] = args(pipe, data);
      const run = await runCli(['analyze', dataset, '--out', out, ...FAST, ...extra], { timeoutMs: 60_000 });
      const message = assertRejected({ dataset, out, run }, name);
      assert.match(message, /not a regular file/, message);
    });
});
