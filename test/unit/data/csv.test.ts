import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { recordDigest } from '../../../src/compute/data/recordDigest';
import { loadDataset } from '../../../src/compute/data/index';
import { rejectsInput, rows, tempDir, write } from './helpers';

/** A small two-class CSV body: `n` rows of x, y features. */
function body(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `${i % 7},${(i * 3) % 5},${i % 2 ? 'cat' : 'dog'}\n`;
  return s;
}

describe('CSV label and split detection', () => {
  test('label column by name (case-insensitive), else the last column', async () => {
    const dir = tempDir();
    const named = write(dir, 'a.csv', `Class,x,y\ncat,1,2\ndog,3,4\ncat,5,6\ndog,7,8\n`);
    const d = await loadDataset(named, { testFraction: 0 });
    assert.equal(d.labelColumn, 'Class');
    assert.deepEqual(d.classes, ['cat', 'dog']);
    assert.equal(d.dims, 2);
    const last = write(dir, 'b.csv', `u,v,kind\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n`);
    assert.equal((await loadDataset(last, { testFraction: 0 })).labelColumn, 'kind');
    const chosen = await loadDataset(last, { testFraction: 0, labelColumn: 'U' });
    assert.equal(chosen.labelColumn, 'u');
    assert.deepEqual(chosen.classes, ['1', '3', '5', '7']);
  });

  test('numeric class names sort numerically', async () => {
    const dir = tempDir();
    const file = write(dir, 'n.csv', `f,label\n1,10\n2,2\n3,10\n4,2\n5,1\n6,1\n`);
    assert.deepEqual((await loadDataset(file, { testFraction: 0 })).classes, ['1', '2', '10']);
  });

  test('a split column assigns train and test (validation counts as test)', async () => {
    const dir = tempDir();
    const file = write(
      dir,
      's.csv',
      `x,split,label\n1,train,a\n2,TRAIN,b\n3,test,a\n4,Validation,b\n5,train,a\n6,val,b\n7,train,b\n`,
    );
    const d = await loadDataset(file);
    assert.equal(d.testSource, 'split-column');
    assert.deepEqual(
      d.train.sources.map((s) => s.row),
      [0, 1, 4, 6],
    );
    assert.deepEqual(
      d.test.sources.map((s) => s.row),
      [2, 3, 5],
    );
    assert.equal(d.dims, 1, 'the split column is not a feature');
  });

  test('an unknown split value is an error at its line', async () => {
    const dir = tempDir();
    const file = write(dir, 's.csv', `x,split,label\n1,train,a\n2,holdout,b\n`);
    await rejectsInput(loadDataset(file), {
      file,
      line: 3,
      patterns: [/"holdout" in column 'split'/, /expected train, test or validation/],
    });
  });

  test('a separate test file: sources point at it, columns may be reordered', async () => {
    const dir = tempDir();
    const train = write(dir, 'train.csv', `x,y,label\n${body(10)}`);
    const test = write(dir, 'sub/test.csv', `label,y,x\ndog,1,2\ncat,3,4\n`);
    const d = await loadDataset(train, { testPath: test });
    assert.equal(d.testSource, 'test-file');
    assert.equal(d.train.y.length, 10);
    // Each record carries the fingerprint of its own text, which the extension checks before an edit.
    assert.deepEqual(d.test.sources, [
      { path: 'sub/test.csv', line: 2, row: 0, digest: recordDigest('dog,1,2') },
      { path: 'sub/test.csv', line: 3, row: 1, digest: recordDigest('cat,3,4') },
    ]);
    assert.equal(d.root, dir);
    // Features of test row 0 are x=2, y=1 standardized with train statistics (checked in featurize tests);
    // here: the columns were matched by name, so x and y did not swap.
    const xs = [0, 1, 2, 3, 4, 5, 6, 0, 1, 2];
    const mean = xs.reduce((a, b) => a + b) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    assert.ok(Math.abs(d.test.x[0] - (2 - mean) / std) < 1e-5);
  });

  test('a test file outside the dataset folder moves the root up', async () => {
    const dir = tempDir();
    const train = write(dir, 'a/train.csv', `x,y,label\n${body(6)}`);
    const test = write(dir, 'b/test.csv', `x,y,label\n1,1,cat\n`);
    const d = await loadDataset(train, { testPath: test });
    assert.equal(d.root, dir);
    assert.equal(d.train.sources[0].path, 'a/train.csv');
    assert.equal(d.test.sources[0].path, 'b/test.csv');
  });

  test('TSV by extension, semicolons with decimal commas by sniffing', async () => {
    const dir = tempDir();
    const tsv = write(dir, 't.tsv', `a\tb\tlabel\n1,5\t2\tx\n3\t4\ty\n`);
    const t = await loadDataset(tsv, { testFraction: 0 });
    assert.equal(t.dims, 3, '"1,5" is a category in a TSV: a(2 one-hot) + b');
    const semi = write(dir, 's.csv', `a;b;label\n1,5;2;x\n3,5;4;y\n`);
    const s = await loadDataset(semi, { testFraction: 0 });
    assert.equal(s.dims, 2);
    assert.deepEqual(rows(s.train.x, 2), [
      [-1, -1],
      [1, 1],
    ]);
  });

  test('id-like columns are dropped with a warning', async () => {
    const dir = tempDir();
    const file = write(dir, 'i.csv', `,id,x,label\n0,10,1.5,a\n1,11,2.5,b\n2,12,0.5,a\n3,13,1,b\n`);
    const d = await loadDataset(file, { testFraction: 0 });
    assert.equal(d.dims, 1);
    assert.ok(d.warnings.some((w) => /Column 'column1' looks like a row identifier/.test(w)));
    assert.ok(d.warnings.some((w) => /Column 'id' looks like a row identifier/.test(w)));
  });

  test('rows with an empty label are skipped and reported', async () => {
    const dir = tempDir();
    const file = write(dir, 'e.csv', `x,label\n1,a\n2,\n3,b\n4, \n5,a\n6,b\n`);
    const d = await loadDataset(file, { testFraction: 0 });
    assert.equal(d.train.y.length, 4);
    assert.ok(
      d.warnings.includes(`Skipped 2 samples with an empty label in column 'label' (e.csv:3, e.csv:5).`),
      d.warnings.join('\n'),
    );
  });

  test('previews render the raw record, cut to about 120 characters', async () => {
    const dir = tempDir();
    const names = Array.from({ length: 40 }, (_, k) => `feature_${k}`);
    const vals = names.map((_, k) => String(k * 1.5));
    const other = names.map((_, k) => String(k + 7));
    const file = write(dir, 'w.csv', `${names.join(',')},label\n${vals.join(',')},a\n${other.join(',')},b\n`);
    const d = await loadDataset(file, { testFraction: 0 });
    const p = d.train.preview[0];
    assert.ok(p.startsWith('feature_0=0, feature_1=1.5, feature_2=3, '), p);
    assert.ok(p.length <= 120 && p.endsWith('…'), p);
  });

  test('the user file is never modified', async () => {
    const dir = tempDir();
    const file = write(dir, 'ro.csv', `x,label\n1,a\n2,b\n3,a\n4,b\n`);
    const before = fs.statSync(file).mtimeMs;
    fs.chmodSync(file, 0o444);
    await loadDataset(file);
    assert.equal(fs.statSync(file).mtimeMs, before);
    assert.deepEqual(fs.readdirSync(dir), ['ro.csv']);
  });
});

describe('CSV errors', () => {
  test('empty file', async () => {
    const file = write(tempDir(), 'e.csv', '\n  \n');
    await rejectsInput(loadDataset(file), {
      file,
      line: null,
      patterns: [/the file is empty; expected a header line/],
    });
  });

  test('header only', async () => {
    const file = write(tempDir(), 'h.csv', 'a,b,label\n\n');
    await rejectsInput(loadDataset(file), {
      file,
      line: 1,
      patterns: [/header \(line 1\) but no data rows/, /expected one row per sample/],
    });
  });

  test('a named label column that does not exist lists the columns', async () => {
    const file = write(tempDir(), 'l.csv', 'a,b,c\n1,2,3\n');
    await rejectsInput(loadDataset(file, { labelColumn: 'species' }), {
      file,
      line: 1,
      patterns: [/label column 'species' not found/, /expected one of the columns: 'a', 'b', 'c'/],
    });
  });

  test('only one class in the training data', async () => {
    const file = write(tempDir(), 'o.csv', 'x,label\n1,cat\n2,cat\n3,cat\n');
    await rejectsInput(loadDataset(file), {
      file,
      line: 1,
      patterns: [/only one class \('cat'\) in column 'label'/, /expected at least two classes/],
    });
  });

  test('only one class in train even though test has another', async () => {
    const file = write(tempDir(), 'o.csv', 'x,split,label\n1,train,cat\n2,train,cat\n3,test,dog\n');
    await rejectsInput(loadDataset(file), { file, patterns: [/only one class \('cat'\)/] });
  });

  test('non-numeric junk in a numeric column names line, column and value', async () => {
    const lines = ['age,label'];
    for (let i = 0; i < 19; i++) lines.push(`${20 + i},${i % 2 ? 'a' : 'b'}`);
    lines.splice(12, 0, 'forty,a');
    const file = write(tempDir(), 'j.csv', `${lines.join('\n')}\n`);
    await rejectsInput(loadDataset(file), {
      file,
      line: 13,
      patterns: [
        /column 'age' is numeric \(95\.0% of its values are numbers\) but line 13 has "forty"/,
        /expected a number, or an empty cell \/ NA \/ \? for a missing value/,
      ],
    });
  });

  test('below 90% numbers the column is categorical, not an error', async () => {
    const file = write(tempDir(), 'c.csv', 'size,label\n1,a\n2,b\nbig,a\n3,b\n4,a\n5,b\n6,a\n7,b\n8,a\n');
    const d = await loadDataset(file, { testFraction: 0 });
    assert.equal(d.dims, 9);
  });

  test('a test file whose columns differ from the training file', async () => {
    const dir = tempDir();
    const train = write(dir, 'train.csv', 'a,b,label\n1,2,x\n3,4,y\n');
    const test = write(dir, 'test.csv', 'a,c,label\n1,2,x\n');
    await rejectsInput(loadDataset(train, { testPath: test }), {
      file: test,
      line: 1,
      patterns: [/columns differ from the training file \(missing 'b'; extra 'c'\)/, /expected the same columns as/],
    });
  });

  test('duplicate header names, single-column files, missing files, unknown extensions', async () => {
    const dir = tempDir();
    const dup = write(dir, 'd.csv', 'a,a,label\n1,2,x\n');
    await rejectsInput(loadDataset(dup), {
      file: dup,
      line: 1,
      patterns: [/names column 'a' twice/, /expected unique column names/],
    });
    const single = write(dir, 's.csv', 'label\nx\ny\n');
    await rejectsInput(loadDataset(single), { file: single, line: 1, patterns: [/single column \('label'\)/] });
    const missing = path.join(dir, 'nope.csv');
    await rejectsInput(loadDataset(missing), { file: missing, patterns: [/does not exist/] });
    const xlsx = write(dir, 'a.xlsx', 'PK');
    await rejectsInput(loadDataset(xlsx), { file: xlsx, patterns: [/unsupported file type '\.xlsx'/] });
  });

  test('bad options are InputErrors too', async () => {
    const file = write(tempDir(), 'a.csv', 'x,label\n1,a\n2,b\n');
    await rejectsInput(loadDataset(file, { testFraction: 1.5 }), {
      file,
      patterns: [/testFraction is 1.5; expected a number in \[0, 1\)/],
    });
    await rejectsInput(loadDataset(file, { maxSamples: 0 }), { file, patterns: [/maxSamples/] });
  });

  test('a continuous target is refused as a label', async () => {
    let s = 'x,price\n';
    for (let i = 0; i < 300; i++) s += `${i},${(i * 1.37).toFixed(2)}\n`;
    const file = write(tempDir(), 'p.csv', s);
    await rejectsInput(loadDataset(file), {
      file,
      patterns: [/column 'price' has 300 distinct values in 300 samples; expected class labels/],
    });
  });
});

test('the dataset given again as its own test file (also through a link) is refused', async () => {
  const dir = tempDir();
  const file = write(dir, 'd.csv', `x,y,label\n${body(10)}`);
  fs.symlinkSync(file, path.join(dir, 'alias.csv'));
  for (const test of [file, path.join(dir, 'alias.csv')]) {
    await rejectsInput(loadDataset(file, { testPath: test }), {
      file: test,
      patterns: [/is the dataset .*d\.csv itself; expected a separate test file/],
    });
  }
});

test('classes that differ only in how they are written are named in a warning', async () => {
  const cafe = 'caf\u00e9';
  const decomposed = 'cafe\u0301';
  let s = 'x,label\n';
  const labels = ['1', '1.0', '2', cafe, decomposed, 'tea'];
  for (let i = 0; i < 36; i++) s += `${i},${labels[i % labels.length]}\n`;
  const d = await loadDataset(write(tempDir(), 'forms.csv', s));
  assert.equal(d.classes.length, 6, 'still analyzed as they are written');
  assert.ok(
    d.warnings.includes(
      `Classes '1' and '1.0'; '${cafe}' and '${decomposed}' in column 'label' differ only in how they are written ` +
        '(Unicode form, or the same number); they are analyzed as different classes: if they are one, write them ' +
        'the same way.',
    ),
    d.warnings.join('\n'),
  );
});

test('no feature that varies over the training rows is refused before any training', async () => {
  let s = 'x,label\n';
  for (let i = 0; i < 40; i++) s += `1,${i % 2 ? 'a' : 'b'}\n`;
  const file = write(tempDir(), 'const.csv', s);
  await rejectsInput(loadDataset(file), {
    file,
    patterns: [/no usable feature columns besides the label 'label'; expected at least one column .* that varies/],
  });
});

test('a column measured in tiny units (1e-30) varies like any other and is kept', async () => {
  let s = 'x,label\n';
  for (let i = 0; i < 40; i++) s += `${((i % 7) + 3 * (i % 2)) * 1e-30},${i % 2 ? 'a' : 'b'}\n`;
  const d = await loadDataset(write(tempDir(), 'tiny.csv', s), { testFraction: 0 });
  assert.equal(d.dims, 1);
  assert.ok(!d.warnings.some((w) => /same value in every training row/.test(w)), d.warnings.join('\n'));
  const x = Array.from(d.train.x);
  assert.ok(Math.max(...x) - Math.min(...x) > 1, 'standardized to unit scale, not encoded as 0');
});

test('a sample that keeps no test row says so, and so does a run left with no test sample', async () => {
  let s = 'x,split,label\n';
  for (let i = 0; i < 20; i++) s += `${i},${i % 4 === 3 ? 'test' : 'train'},${i % 2 ? 'a' : 'b'}\n`;
  const d = await loadDataset(write(tempDir(), 'few.csv', s), { maxSamples: 2 });
  assert.equal(d.test.y.length, 0);
  assert.ok(
    d.warnings.includes('The sample of 2 kept no row of the test split; held out 20% of the data instead.'),
    d.warnings.join('\n'),
  );
  assert.ok(
    d.warnings.some((w) => w.startsWith('No test sample: no class has enough samples to hold one out.')),
    d.warnings.join('\n'),
  );
});

test("columns 'Label' and 'label' both present: the first is the label, and a note names the other", async () => {
  let s = 'x,Label,label\n';
  for (let i = 0; i < 20; i++) s += `${i},${i % 2 ? 'a' : 'b'},${i % 3 ? 'c' : 'd'}\n`;
  const d = await loadDataset(write(tempDir(), 'twins.csv', s));
  assert.equal(d.labelColumn, 'Label');
  assert.ok(
    d.warnings.includes(
      "The columns 'Label' and 'label' differ only in case; 'Label', the first, was taken as the label (choose " +
        'the other by name if it is the one).',
    ),
    d.warnings.join('\n'),
  );
  const chosen = await loadDataset(write(tempDir(), 'twins.csv', s), { labelColumn: 'label' });
  assert.ok(!chosen.warnings.some((w) => /differ only in case/.test(w)), 'named exactly: nothing to say');
});

describe('a label taken for want of a name', () => {
  test('a last column of measurements is refused, naming it and asking for the label by name', async () => {
    // Iris as some people write it: the species first, no column named label.
    let s = 'species,sepal_length,petal_width\n';
    for (let i = 0; i < 60; i++) s += `${['setosa', 'virginica'][i % 2]},${5 + (i % 9) / 10},${(i % 23) / 10}\n`;
    const file = write(tempDir(), 'iris.csv', s);
    await rejectsInput(loadDataset(file), {
      file,
      patterns: [
        /no column is named label, class, target or y, so the last, column 'petal_width', was taken as the label/,
        /but it holds numbers with fractions \('0\.1', '0\.2', '0\.3'/,
        /expected the label column chosen by name \(the column of classes\)/,
      ],
    });
    const named = await loadDataset(file, { labelColumn: 'species' });
    assert.deepEqual(named.classes, ['setosa', 'virginica']);
    assert.ok(!named.warnings.some((w) => /was taken as the label/.test(w)), 'a named label needs no warning');
  });

  test('a last column of class names or few integer ids is the label, and a warning says it was guessed', async () => {
    let s = 'u,v,digit\n';
    for (let i = 0; i < 40; i++) s += `${i},${i % 3},${i % 10}\n`;
    const d = await loadDataset(write(tempDir(), 'd.csv', s));
    assert.equal(d.labelColumn, 'digit');
    assert.ok(
      d.warnings.includes(
        "No column is named label, class, target or y, so the last, column 'digit', was taken as the label " +
          '(choose another by name if it is not).',
      ),
      d.warnings.join('\n'),
    );
  });

  test('a JSONL record whose label field comes first is not read by its last field', async () => {
    let s = '';
    for (let i = 0; i < 60; i++) s += `${JSON.stringify({ cat: ['a', 'b'][i % 2], x1: i % 5, x2: i / 7 })}\n`;
    const file = write(tempDir(), 'r.jsonl', s);
    await rejectsInput(loadDataset(file), {
      file,
      patterns: [/no field is named label, class, target or y, so the last, field 'x2', was taken as the label/],
    });
  });
});

describe('CSV odds and ends', () => {
  test('a file without a header line is said to have lost its first row to the header', async () => {
    let s = '';
    for (let i = 0; i < 30; i++)
      s += `${(0.1 + i * 0.37).toFixed(3)},${(-0.2 - i * 0.11).toFixed(3)},${i % 2 ? 'a' : 'b'}\n`;
    const d = await loadDataset(write(tempDir(), 'nohdr.csv', s));
    assert.equal(d.train.y.length + d.test.y.length, 29);
    assert.ok(
      d.warnings.some((w) =>
        /^The first line of nohdr\.csv looks like data, not a header \('0\.100', '-0\.200', 'b': numbers, and 'b' is a class in the rows\); it was read as the header, so it is not a sample\./.test(
          w,
        ),
      ),
      d.warnings.join('\n'),
    );
    // Numbered pixel columns under a label column are a real header.
    let pixels = 'label,0,1,2\n';
    for (let i = 0; i < 20; i++) pixels += `${i % 2 ? 'a' : 'b'},${i},${i % 3},${i % 5}\n`;
    const p = await loadDataset(write(tempDir(), 'pixels.csv', pixels));
    assert.ok(!p.warnings.some((w) => /looks like data/.test(w)), p.warnings.join('\n'));
  });

  test('a numeric column made categorical by a missing-value marker the reader does not know names it', async () => {
    let s = 'x1,x2,label\n';
    for (let i = 0; i < 70; i++) s += `${i % 7 === 3 ? '-' : (i * 0.5).toFixed(1)},${i % 4},${i % 2 ? 'a' : 'b'}\n`;
    const d = await loadDataset(write(tempDir(), 'dash.csv', s));
    assert.ok(
      d.warnings.includes(
        'Column \'x1\' is 86% numbers but is read as categories (each number its own) because of "-" in 10 rows ' +
          '(first: dash.csv line 5); if it marks a missing value, leave those cells empty or write NA.',
      ),
      d.warnings.join('\n'),
    );
  });

  test('a split column without test rows falls back to a hold-out, with a warning', async () => {
    let csv = 'x,split,label\n';
    for (let i = 0; i < 10; i++) csv += `${i},train,${i % 2 ? 'a' : 'b'}\n`;
    const d = await loadDataset(write(tempDir(), 's.csv', csv));
    assert.equal(d.testSource, 'holdout');
    assert.equal(d.test.y.length, 2);
    assert.ok(d.warnings.includes('No sample is marked as test; held out 20% of the data instead.'));
  });

  test('onProgress counts characters up to the total', async () => {
    let csv = 'x,label\n';
    for (let i = 0; i < 3000; i++) csv += `${i % 13},${i % 3}\n`;
    const calls: [number, number][] = [];
    await loadDataset(write(tempDir(), 'p.csv', csv), { onProgress: (done, total) => calls.push([done, total]) });
    assert.ok(calls.length >= 3);
    assert.deepEqual(calls.at(-1), [csv.length, csv.length]);
    assert.ok(calls.every(([d, t], i) => d <= t && (i === 0 || d >= calls[i - 1][0])));
  });

  test('UTF-16 text (Excel "Unicode text") is read, both byte orders', async () => {
    const dir = tempDir();
    const text = 'größe\tlabel\r\n1\tä\r\n2\tö\r\n';
    const le = write(dir, 'le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16(), Buffer.from([0])]);
    for (const file of [le, write(dir, 'be.txt', be)]) {
      const d = await loadDataset(file, { testFraction: 0 });
      assert.deepEqual(d.classes, ['ä', 'ö']);
      assert.equal(d.train.preview[0], 'größe=1');
    }
  });

  test('.txt files are sniffed; numbers that overflow are not numbers', async () => {
    const dir = tempDir();
    const txt = write(dir, 'd.txt', 'a\tb\tlabel\n1\t2\tx\n3\t4\ty\n');
    assert.equal((await loadDataset(txt, { testFraction: 0 })).dims, 2);
    const big = write(dir, 'big.csv', 'a,label\n1,x\n2,y\n3,x\n4,y\n5,x\n6,y\n7,x\n8,y\n9,x\n1e999,y\n');
    await rejectsInput(loadDataset(big), { file: big, line: 11, patterns: [/"1e999"/] });
  });
});
