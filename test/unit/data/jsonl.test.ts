import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadDataset } from '../../../src/compute/data/index';
import { recordDigest } from '../../../src/compute/data/recordDigest';
import { assertClose, grey, pngBytes, rejectsInput, rows, tempDir, write } from './helpers';

const jsonl = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n');

describe('JSONL records', () => {
  test('feature fields through the shared featurizer; blank lines skipped, line numbers right', async () => {
    const dir = tempDir();
    const text = [
      JSON.stringify({ age: 30, city: 'Oslo', label: 'yes' }),
      '',
      JSON.stringify({ age: 40, city: 'Rome', label: 'no' }),
      '   ',
      JSON.stringify({ age: null, city: 'Oslo', label: 'yes' }),
      JSON.stringify({ age: 50, label: 'no' }),
    ].join('\r\n');
    const file = write(dir, 'd.jsonl', `${text}\n`);
    const d = await loadDataset(file, { testFraction: 0 });
    assert.equal(d.format, 'jsonl');
    assert.equal(d.labelColumn, 'label');
    assert.deepEqual(d.classes, ['no', 'yes']);
    // Each record carries the fingerprint of its trimmed line (CR and spaces around it are not part of the record).
    const lines = text.split('\r\n');
    assert.deepEqual(d.train.sources, [
      { path: 'd.jsonl', line: 1, row: 0, digest: recordDigest(lines[0]) },
      { path: 'd.jsonl', line: 3, row: 1, digest: recordDigest(lines[2]) },
      { path: 'd.jsonl', line: 5, row: 2, digest: recordDigest(lines[4]) },
      { path: 'd.jsonl', line: 6, row: 3, digest: recordDigest(lines[5]) },
    ]);
    // age: mean 40, std sqrt(200/3); city: Oslo, Rome + missing slot.
    assert.equal(d.dims, 4);
    const std = Math.sqrt(200 / 3);
    const x = rows(d.train.x, 4);
    assertClose(x[0][0], -10 / std);
    assert.equal(x[2][0], 0);
    assert.deepEqual(
      x.map((r) => r.slice(1)),
      [
        [1, 0, 0],
        [0, 1, 0],
        [1, 0, 0],
        [0, 0, 1],
      ],
    );
    assert.equal(d.train.preview[0], 'age=30, city=Oslo');
    assert.equal(d.train.preview[2], 'age=null, city=Oslo');
    assert.equal(d.warnings.length, 2);
  });

  test('a text field becomes TF-IDF; a split field gives the test set', async () => {
    const dir = tempDir();
    const recs = [
      { text: 'I loved this movie so much', y: 'pos', split: 'train' },
      { text: 'worst film I have ever seen', y: 'neg', split: 'train' },
      { text: 'a wonderful and moving story', y: 'pos', split: 'train' },
      { text: 'boring, slow and far too long', y: 'neg', split: 'train' },
      { text: 'I loved this movie so much', y: 'pos', split: 'validation' },
    ];
    const d = await loadDataset(write(dir, 't.jsonl', jsonl(recs)));
    assert.equal(d.labelColumn, 'y');
    assert.equal(d.testSource, 'split-column');
    assert.equal(d.test.y.length, 1);
    assert.deepEqual(Array.from(d.test.x), Array.from(d.train.x.subarray(0, d.dims)));
    assertClose(Math.hypot(...d.test.x), 1, 1e-6);
  });

  test('an image path field: the images are the samples, relative to the JSONL folder', async () => {
    const dir = tempDir();
    write(dir, 'img/a1.png', pngBytes(4, 4, grey(0)));
    write(dir, 'img/a2.png', pngBytes(4, 4, grey(10)));
    write(dir, 'img/b1.png', pngBytes(4, 4, grey(250)));
    write(dir, 'img/b2.png', pngBytes(4, 4, grey(240)));
    const recs = [
      { image: 'img/a1.png', label: 'dark', caption: 'x' },
      { image: 'img/a2.png', label: 'dark', caption: 'y' },
      { image: 'img/b1.png', label: 'light', caption: 'z' },
      { image: 'img/b2.png', label: 'light', caption: 'w' },
    ];
    const file = write(dir, 'data.jsonl', jsonl(recs));
    const d = await loadDataset(file, { testFraction: 0 });
    assert.deepEqual(d.imageShape, [4, 4, 1]);
    assert.equal(d.dims, 16);
    assert.deepEqual(d.train.sources[2], {
      path: 'data.jsonl',
      line: 3,
      row: 2,
      digest: recordDigest(JSON.stringify(recs[2])),
    });
    assertClose(d.train.x[2 * 16], 250 / 255, 1e-6);
    assert.ok(d.warnings.some((w) => /Field 'caption' ignored: the samples are the images named in 'image'/.test(w)));
  });

  test('a separate JSONL test file', async () => {
    const dir = tempDir();
    const train = write(
      dir,
      'train.jsonl',
      jsonl([
        { v: 1, label: 'a' },
        { v: 2, label: 'b' },
        { v: 3, label: 'a' },
      ]),
    );
    const test = write(dir, 'test.jsonl', jsonl([{ label: 'b', v: 9 }]));
    const d = await loadDataset(train, { testPath: test });
    assert.equal(d.testSource, 'test-file');
    assert.deepEqual(d.test.sources, [
      { path: 'test.jsonl', line: 1, row: 0, digest: recordDigest(JSON.stringify({ label: 'b', v: 9 })) },
    ]);
  });
});

describe('JSONL errors', () => {
  test('invalid JSON on line N', async () => {
    const file = write(tempDir(), 'bad.jsonl', `{"a": 1, "label": "x"}\n\n{"a": 2, "label": }\n`);
    await rejectsInput(loadDataset(file), {
      file,
      line: 3,
      patterns: [/invalid JSON/, /expected one complete JSON object per line/],
    });
  });

  test('a line that is not an object', async () => {
    const file = write(tempDir(), 'arr.jsonl', `{"a": 1, "label": "x"}\n[1, 2]\n`);
    await rejectsInput(loadDataset(file), { file, line: 2, patterns: [/holds an array; expected a JSON object/] });
  });

  test('a record without the label field', async () => {
    const file = write(tempDir(), 'nolabel.jsonl', jsonl([{ a: 1, label: 'x' }, { a: 2, label: 'y' }, { a: 3 }]));
    await rejectsInput(loadDataset(file), {
      file,
      line: 3,
      patterns: [/record has no 'label' field/, /expected every record to have the label field/],
    });
  });

  test('a named label field that does not exist lists the fields', async () => {
    const file = write(tempDir(), 'f.jsonl', jsonl([{ a: 1, b: 'x' }]));
    await rejectsInput(loadDataset(file, { labelColumn: 'target' }), {
      file,
      line: null,
      patterns: [/label field 'target' not found; expected one of the fields: 'a', 'b'/],
    });
  });

  test('nested objects are not features', async () => {
    const file = write(tempDir(), 'n.jsonl', jsonl([{ a: { deep: 1 }, label: 'x' }]));
    await rejectsInput(loadDataset(file), {
      file,
      line: 1,
      patterns: [/field 'a' holds an object; expected a number, a string/],
    });
  });

  test('a record without an image once the image field is established', async () => {
    const dir = tempDir();
    write(dir, 'a.png', pngBytes(2, 2, grey(0)));
    const file = write(
      dir,
      'i.jsonl',
      jsonl([
        { img: 'a.png', label: 'x' },
        { img: 'a.png', label: 'y' },
        { img: null, label: 'x' },
      ]),
    );
    await rejectsInput(loadDataset(file), {
      file,
      line: 3,
      patterns: [/no image path in field 'img'; expected every record to name its image/],
    });
  });

  test('a missing image file names it and the line that names it', async () => {
    const dir = tempDir();
    write(dir, 'a.png', pngBytes(2, 2, grey(0)));
    const file = write(
      dir,
      'i.jsonl',
      jsonl([
        { img: 'a.png', label: 'x' },
        { img: 'gone.png', label: 'y' },
      ]),
    );
    await rejectsInput(loadDataset(file, { testFraction: 0 }), {
      file: `${dir}/gone.png (line 2 of ${file})`,
      patterns: [/cannot be read/],
    });
  });

  test('empty file and fields that differ in the test file', async () => {
    const dir = tempDir();
    const empty = write(dir, 'e.jsonl', '\n\n');
    await rejectsInput(loadDataset(empty), {
      file: empty,
      patterns: [/the file is empty; expected one JSON object per line/],
    });
    const train = write(
      dir,
      'train.jsonl',
      jsonl([
        { v: 1, label: 'a' },
        { v: 2, label: 'b' },
      ]),
    );
    const test = write(dir, 'test.jsonl', jsonl([{ w: 1, label: 'a' }]));
    await rejectsInput(loadDataset(train, { testPath: test }), {
      file: test,
      patterns: [/fields differ from the training file \(missing 'v'; extra 'w'\)/],
    });
  });
});
