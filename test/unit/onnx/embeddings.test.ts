/**
 * Precomputed embeddings (issue 15 item 2): from CSV columns, a JSONL array
 * field, or a side file (.npy, CSV), and the user's own out-of-sample
 * probabilities. Influence over the head on them must equal exact influence
 * computed independently from the same matrix (reference.ts), whichever way
 * the matrix arrived; bad side files are refused naming the file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readNpy, writeNpy } from '../../../src/compute/data/embeddings/npy';
import { readSideFile } from '../../../src/compute/data/embeddings/readers';
import { InputError } from '../../../src/compute/errors';
import { analyze, type AnalyzeRun } from '../../../src/compute/pipeline/analyze';
import { createRng, normal } from '../../../src/compute/random';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { initBackend } from '../../../src/compute/tf/backend';
import { referenceInfluence } from './reference';

const F = 4;
const CLASSES = ['ant', 'bee', 'cat'];
let dir: string;
let emb: number[][];
let labels: string[];
let split: string[];

function write(name: string, text: string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

before(async () => {
  await initBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-emb-'));
  const rng = createRng(11);
  const centres = CLASSES.map(() => Array.from({ length: F }, () => 2 * normal(rng)));
  emb = [];
  labels = [];
  split = [];
  for (let i = 0; i < 90; i++) {
    const c = i % 3;
    emb.push(centres[c].map((m) => Number((m + 1.2 * normal(rng)).toFixed(5))));
    // Two flipped labels, so influence has something to find.
    labels.push(CLASSES[i === 7 || i === 20 ? (c + 1) % 3 : c]);
    split.push(i % 5 === 4 ? 'test' : 'train');
  }
  const header = ['note', ...emb[0].map((_, k) => `e${k}`), 'label', 'split'].join(',');
  write(
    'data.csv',
    [header, ...emb.map((e, i) => [`row${i % 4}`, ...e, labels[i], split[i]].join(','))].join('\n') + '\n',
  );
  write('plain.csv', ['note,label,split', ...labels.map((l, i) => `row${i % 4},${l},${split[i]}`)].join('\n') + '\n');
  // Nothing to learn from but the embeddings: an id column (unique per row) and the labels. Before, the loader
  // featurized the table anyway and refused it ("no usable feature columns besides the label").
  write('ids.csv', ['id,label,split', ...labels.map((l, i) => `${1000 + i},${l},${split[i]}`)].join('\n') + '\n');
  write(
    'data.jsonl',
    emb.map((e, i) => JSON.stringify({ vec: e, label: labels[i], split: split[i], note: `row${i % 4}` })).join('\n') +
      '\n',
  );
  write('emb.npy', writeNpy(Float64Array.from(emb.flat()), [emb.length, F]));
  write('emb.csv', emb.map((e) => e.join(',')).join('\n') + '\n');
  // As pandas writes a DataFrame: to_csv() with its index column and numbered columns, and to_csv(index=False).
  const numbered = emb[0].map((_, k) => k).join(',');
  write('emb_pandas.csv', [`,${numbered}`, ...emb.map((e, i) => `${i},${e.join(',')}`)].join('\n') + '\n');
  write('emb_pandas_noindex.csv', [numbered, ...emb.map((e) => e.join(','))].join('\n') + '\n');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (options: Partial<AnalyzeRun> & { datasetPath: string }) =>
  analyze({ folds: 3, workers: 1, seed: 1, ...options });

/** The engine's influence of every training sample on test sample t, by train row. */
function influenceOn(r: ResultsFile, t: number): Map<number, number> {
  const rec = r.test[t];
  const byId = new Map<number, number>();
  for (const e of [...rec.proponents, ...rec.opponents])
    byId.set(r.train.find((x) => x.id === e.train)!.source.row!, e.influence);
  return byId;
}

describe('precomputed embeddings', () => {
  let columns: ResultsFile;
  before(async () => {
    columns = await run({ datasetPath: path.join(dir, 'data.csv'), embeddingColumns: 'e*', topK: 200 });
  });

  test('influence over the head on CSV embedding columns equals exact influence computed from the same matrix', () => {
    assert.equal(columns.model.source?.kind, 'embeddings');
    assert.equal(columns.model.source?.embeddingDim, F);
    assert.equal(columns.dataset.dims, F, 'the features are the embedding, not the featurized table');
    const trainRows = emb.map((_, i) => i).filter((i) => split[i] === 'train');
    const phi = trainRows.flatMap((i) => emb[i].map(Math.fround));
    const y = trainRows.map((i) => CLASSES.indexOf(labels[i]));
    const l2 = trainRows.length * columns.model.weightDecay;
    for (const t of [0, 3]) {
      const row = columns.test[t].source.row!;
      const ref = referenceInfluence(
        { phi, y, n: trainRows.length, f: F, c: 3 },
        emb[row].map(Math.fround),
        CLASSES.indexOf(labels[row]),
        l2,
      );
      const got = influenceOn(columns, t);
      assert.equal(got.size, trainRows.length, 'every training sample is ranked (top-k 200)');
      const scale = Math.max(...ref.map(Math.abs));
      trainRows.forEach((r, k) =>
        assert.ok(
          Math.abs(got.get(r)! - ref[k]) <= 1e-4 * scale,
          `test ${t}, train row ${r}: ${got.get(r)} vs ${ref[k]}`,
        ),
      );
    }
  });

  for (const [name, options] of [
    ['a .npy side file', { datasetPath: 'plain.csv', embeddingsFile: 'emb.npy' }],
    ['a CSV side file', { datasetPath: 'plain.csv', embeddingsFile: 'emb.csv' }],
    [
      "pandas' to_csv() (an index column, numbered columns)",
      { datasetPath: 'plain.csv', embeddingsFile: 'emb_pandas.csv' },
    ],
    ["pandas' to_csv(index=False)", { datasetPath: 'plain.csv', embeddingsFile: 'emb_pandas_noindex.csv' }],
    ['a side file beside a table of ids and labels only', { datasetPath: 'ids.csv', embeddingsFile: 'emb.npy' }],
    ['a JSONL array field', { datasetPath: 'data.jsonl', embeddingField: 'vec' }],
  ] as const) {
    test(`${name} gives the same influence as the columns`, async () => {
      const r = await run({
        datasetPath: path.join(dir, options.datasetPath),
        ...('embeddingsFile' in options
          ? { embeddingsFile: path.join(dir, options.embeddingsFile) }
          : { embeddingField: options.embeddingField }),
        topK: 200,
      });
      assert.equal(r.dataset.dims, F);
      const a = influenceOn(columns, 1);
      const b = influenceOn(r, 1);
      assert.equal(b.size, a.size);
      for (const [row, v] of a)
        assert.ok(Math.abs(b.get(row)! - v) <= 1e-9 + 1e-6 * Math.abs(v), `row ${row}: ${b.get(row)} vs ${v}`);
    });
  }

  test('--verify retrains the head on the embeddings and agrees with the predicted influence', async () => {
    const r = await run({
      datasetPath: path.join(dir, 'data.csv'),
      embeddingColumns: 'e*',
      verify: 4,
      verifyTestPoints: 2,
    });
    const rel = r.influence.reliability!;
    assert.equal(rel.retrain, 'last-layer');
    assert.equal(rel.points, 8);
    assert.ok(rel.pearson > 0.9, `Pearson ${rel.pearson}`);
  });

  test("the user's out-of-sample probabilities are used instead of cross-fitting", async () => {
    const rng = createRng(5);
    const p = emb.map(() => {
      const raw = CLASSES.map(() => 0.05 + rng());
      const s = raw.reduce((a, b) => a + b, 0);
      return raw.map((v) => v / s);
    });
    // Columns in another order than the sorted classes: the header decides.
    const file = write('probs.csv', ['cat,ant,bee', ...p.map((q) => [q[2], q[0], q[1]].join(','))].join('\n') + '\n');
    const r = await run({ datasetPath: path.join(dir, 'data.csv'), embeddingColumns: 'e*', probabilitiesFile: file });
    assert.equal(r.model.source?.outOfSample, file);
    for (const rec of r.train) {
      const expected = p[rec.source.row!][CLASSES.indexOf(rec.label)];
      assert.ok(
        Math.abs(rec.givenLabelProbability - expected) < 1e-9,
        `row ${rec.source.row}: ${rec.givenLabelProbability} vs ${expected}`,
      );
    }
  });
});

describe('bad embeddings are refused, naming the file', () => {
  const refused = async (options: Partial<AnalyzeRun>, file: string, pattern: RegExp) => {
    await assert.rejects(run({ datasetPath: path.join(dir, 'plain.csv'), ...options }), (err: unknown) => {
      assert.ok(err instanceof InputError, String(err));
      assert.equal(err.file, file);
      assert.match(err.message, pattern);
      return true;
    });
  };

  test('a side file with the wrong row count', async () => {
    const file = write('short.npy', writeNpy(Float32Array.from(emb.slice(0, 89).flat()), [89, F]));
    await refused({ embeddingsFile: file }, file, /has 89 rows; expected 90, one per data row of .*plain\.csv/);
  });

  test("a pandas index out of order (rows shuffled): refused, the rows are not the dataset's", async () => {
    const order = emb.map((_, i) => (i + 1) % emb.length);
    const lines = order.map((i) => `${i},${emb[i].join(',')}`);
    const file = write('shuffled.csv', [`,${emb[0].map((_, k) => k).join(',')}`, ...lines].join('\n') + '\n');
    await refused({ embeddingsFile: file }, file, /holds the row numbers out of order .* to_csv\(index=False\)/);
  });

  test('a test side file without a test file is refused, not ignored', async () => {
    const file = path.join(dir, 'emb.csv');
    await refused(
      { embeddingsFile: path.join(dir, 'emb.npy'), testEmbeddingsFile: file },
      file,
      /is for a separate test file, but .*plain\.csv has none/,
    );
  });

  test('a JSONL embedding number beyond a double is named as Infinity, not null', async () => {
    const records = Array.from({ length: 6 }, (_, i) => JSON.stringify({ vec: [i, 2], label: CLASSES[i % 3] }));
    records[4] = records[4].replace('2]', '1e400]');
    const file = write('huge.jsonl', `${records.join('\n')}\n`);
    await assert.rejects(
      run({ datasetPath: file, embeddingField: 'vec' }),
      (e: unknown) =>
        e instanceof InputError && /field 'vec' holds Infinity; expected finite numbers only/.test(e.message),
    );
  });

  test('a side file holding NaN', async () => {
    const file = write(
      'nan.csv',
      emb.map((e, i) => (i === 12 ? ['nan', ...e.slice(1)] : e).join(',')).join('\n') + '\n',
    );
    await refused({ embeddingsFile: file }, file, /nan\.csv:13: value 1 is 'nan'; expected a finite number/);
  });

  test('a .npy of integers', async () => {
    const file = write('int.npy', Buffer.from(NUMPY_INT32, 'hex'));
    await refused({ embeddingsFile: file }, file, /dtype '<i4'; expected float32 or float64/);
  });

  test('an embedding column that is not there', async () => {
    await assert.rejects(
      run({ datasetPath: path.join(dir, 'data.csv'), embeddingColumns: 'e0,e9' }),
      /data\.csv:1: has no column 'e9'/,
    );
  });

  test('a model option without a model file, two feature sources at once', async () => {
    await assert.rejects(
      run({ datasetPath: path.join(dir, 'plain.csv'), embeddingOutput: 'pool' }),
      /the embeddingOutput option is about a model; expected it with the modelFile option/,
    );
    await assert.rejects(
      run({
        datasetPath: path.join(dir, 'data.csv'),
        embeddingColumns: 'e*',
        embeddingsFile: path.join(dir, 'emb.npy'),
      }),
      /the embeddingsFile option and the embeddingColumns option both name the features; expected one of them/,
    );
  });

  test('an image folder with an embeddings file: refused before any image is read', async () => {
    const folder = path.join(dir, 'pictures');
    // Not images at all: reading them would fail on them first, so the folder's refusal shows nothing was read.
    for (const c of ['cat', 'dog']) {
      fs.mkdirSync(path.join(folder, c), { recursive: true });
      write(`pictures/${c}/1.png`, 'not a png');
    }
    await assert.rejects(run({ datasetPath: folder, embeddingsFile: path.join(dir, 'emb.npy') }), (err: unknown) => {
      assert.ok(err instanceof InputError, String(err));
      assert.match(err.message, /pictures: is an image folder; precomputed embeddings are read by row/);
      return true;
    });
  });

  test('probabilities that do not sum to 1', async () => {
    const file = write('badp.csv', labels.map(() => '0.5,0.5,0.5').join('\n') + '\n');
    await assert.rejects(
      run({ datasetPath: path.join(dir, 'data.csv'), embeddingColumns: 'e*', probabilitiesFile: file }),
      /badp\.csv:1: row 1 sums to 1\.50000; expected probabilities that sum to 1/,
    );
  });
});

// Bytes numpy 2 wrote (np.save of [[1.5, -2], [3, 0.25], [1e-3, 7]] as <f4 and >f8; [[1, 2]] as <i4).
const NUMPY_F4 =
  '934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c' +
  '20277368617065273a2028332c2032292c207d20202020202020202020202020202020202020202020202020202020202020' +
  '2020202020202020202020202020202020202020202020202020200a0000c03f000000c0000040400000803e6f12833a0000' +
  'e040';
const NUMPY_BE_F8 =
  '934e554d5059010076007b276465736372273a20273e6638272c2027666f727472616e5f6f72646572273a2046616c73652c' +
  '20277368617065273a2028332c2032292c207d20202020202020202020202020202020202020202020202020202020202020' +
  '2020202020202020202020202020202020202020202020202020200a3ff8000000000000c000000000000000400800000000' +
  '00003fd00000000000003f50624dd2f1a9fc401c000000000000';
const NUMPY_INT32 =
  '934e554d5059010076007b276465736372273a20273c6934272c2027666f727472616e5f6f72646572273a2046616c73652c' +
  '20277368617065273a2028312c2032292c207d20202020202020202020202020202020202020202020202020202020202020' +
  '2020202020202020202020202020202020202020202020202020200a0100000002000000';

describe('side-file headers of numbers', () => {
  test('a first line of class names that are numbers is the header when the row count says so', async () => {
    const file = write('probs_numeric.csv', '1,0\n0.2,0.8\n0.9,0.1\n');
    const classes = (names: string[]) => names.length === 2 && ['0', '1'].every((c) => names.includes(c));
    const asHeader = await readSideFile(file, file, 'probabilities', 2, classes);
    assert.deepEqual(asHeader.header, ['1', '0']);
    assert.deepEqual([...asHeader.values], [0.2, 0.8, 0.9, 0.1]);
    // Three data rows asked for: the same first line is data (a probability of 1 and 0).
    const asData = await readSideFile(file, file, 'probabilities', 3, classes);
    assert.equal(asData.header, undefined);
    assert.equal(asData.rows, 3);
  });
});

describe('NPY reader', () => {
  test("reads numpy's own float32 and big-endian float64 files", () => {
    const f4 = readNpy(Buffer.from(NUMPY_F4, 'hex'), 'a.npy');
    assert.deepEqual([f4.rows, f4.cols], [3, 2]);
    assert.deepEqual([...f4.values], [1.5, -2, 3, 0.25, Math.fround(1e-3), 7]);
    // Held as float32, not widened: a large embeddings file would take twice its size while loading.
    assert.ok(f4.values instanceof Float32Array);
    const f8 = readNpy(Buffer.from(NUMPY_BE_F8, 'hex'), 'b.npy');
    assert.deepEqual([...f8.values], [1.5, -2, 3, 0.25, 1e-3, 7]);
  });

  test('aligned values are read in place, unaligned ones copied, both exactly', () => {
    const expected = Float64Array.from({ length: 24 }, (_, k) => (k - 11) / 7);
    const file = writeNpy(expected, [6, 4]);
    // Aligned (numpy's 64-byte header padding): a view of the file's bytes, not a second copy of the matrix.
    const aligned = readNpy(file, 'a.npy');
    assert.equal(aligned.values.buffer, file.buffer);
    assert.deepEqual([...aligned.values], [...expected]);
    // The same file at an odd offset inside a larger buffer (a Buffer pool slice): copied, still exact.
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const unaligned = readNpy(shifted.subarray(3), 'u.npy');
    assert.notEqual(unaligned.values.buffer, shifted.buffer);
    assert.deepEqual([...unaligned.values], [...expected]);
    const f4 = writeNpy(Float32Array.from(expected), [6, 4]);
    const shifted4 = new Uint8Array(f4.length + 1);
    shifted4.set(f4, 1);
    assert.deepEqual([...readNpy(shifted4.subarray(1), 'u4.npy').values], [...Float32Array.from(expected)]);
  });

  test('writes what it reads back, byte for byte as numpy does', () => {
    const bytes = writeNpy(Float32Array.from([1.5, -2, 3, 0.25, 1e-3, 7]), [3, 2]);
    assert.equal(Buffer.from(bytes).toString('hex'), NUMPY_F4);
  });

  test('refuses a truncated file, Fortran order and a 3-D array', () => {
    const full = Buffer.from(NUMPY_F4, 'hex');
    assert.throws(
      () => readNpy(full.subarray(0, full.length - 4), 't.npy'),
      /t\.npy: holds 5 values after its header; expected 3 × 2 = 6/,
    );
    const fortran = Buffer.from(
      full.toString('latin1').replace("'fortran_order': False", "'fortran_order': True "),
      'latin1',
    );
    assert.throws(() => readNpy(fortran, 'f.npy'), /Fortran \(column-major\) order/);
    const cube = Buffer.from(full.toString('latin1').replace("'shape': (3, 2), ", "'shape': (1,3,2),"), 'latin1');
    assert.throws(() => readNpy(cube, 'c.npy'), /expected a 2-D array/);
    assert.throws(() => readNpy(Buffer.from('not numpy at all'), 'x.npy'), /x\.npy: is not a NumPy \.npy file/);
  });
});
