import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadDataset } from '../../../src/compute/data/index';
import { hashString, termCounts, TfidfModel } from '../../../src/compute/data/tfidf';
import { assertClose, rows, tempDir, write } from './helpers';

describe('numeric columns', () => {
  test('standardized with TRAIN mean/std only; constant column → 0; missing → 0 and reported', async () => {
    const file = write(
      tempDir(),
      'n.csv',
      [
        'x,c,m,split,label',
        '1,7,10,train,a',
        '2,7,NA,train,b',
        '3,7,20,train,a',
        '4,7,?,train,b',
        '100,7,,test,a',
        '-5,7,null,test,b',
      ].join('\n'),
    );
    const d = await loadDataset(file);
    assert.equal(d.dims, 3);
    const mean = 2.5;
    const std = Math.sqrt((1.5 ** 2 + 0.5 ** 2 + 0.5 ** 2 + 1.5 ** 2) / 4);
    const train = rows(d.train.x, 3);
    const test = rows(d.test.x, 3);
    [1, 2, 3, 4].forEach((v, i) => assertClose(train[i][0], (v - mean) / std, 1e-6, `train x[${i}]`));
    assertClose(test[0][0], (100 - mean) / std, 1e-4, 'test x uses train stats');
    assertClose(test[1][0], (-5 - mean) / std, 1e-5);
    assert.deepEqual(
      [...train, ...test].map((r) => r[1]),
      [0, 0, 0, 0, 0, 0],
      'constant column',
    );
    // m: train values 10, 20 → mean 15, std 5; missing → 0.
    assert.deepEqual(
      train.map((r) => r[2]),
      [-1, 0, 1, 0],
    );
    assert.deepEqual(
      test.map((r) => r[2]),
      [0, 0],
    );
    assert.deepEqual(d.warnings, [
      `Column 'c' has the same value in every training row; it carries no information (encoded as 0).`,
      `Column 'm': 4 missing values (2 in train, 2 in test) imputed with the training mean.`,
    ]);
  });
});

describe('categorical columns', () => {
  test('one-hot over sorted training categories, a trailing missing slot, unseen → zeros', async () => {
    const file = write(
      tempDir(),
      'c.csv',
      [
        'color,size,split,label',
        'red,1,train,a',
        'green,2,train,b',
        'blue,3,train,a',
        ',4,train,b',
        'red,5,train,a',
        'purple,6,test,a',
        'blue,7,test,b',
        'NA,8,test,a',
      ].join('\n'),
    );
    const d = await loadDataset(file);
    assert.equal(d.dims, 5, 'blue, green, red, missing + size');
    const oneHot = (x: Float32Array) => rows(x, 5).map((r) => r.slice(0, 4));
    assert.deepEqual(oneHot(d.train.x), [
      [0, 0, 1, 0],
      [0, 1, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 0, 1],
      [0, 0, 1, 0],
    ]);
    assert.deepEqual(oneHot(d.test.x), [
      [0, 0, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 0, 1],
    ]);
    assert.deepEqual(d.warnings, [
      `Column 'color': 2 missing values (1 in train, 1 in test) encoded as a separate 'missing' category.`,
    ]);
  });

  test('without missing training cells there is no missing slot', async () => {
    const file = write(tempDir(), 'c.csv', 'color,split,label\nred,train,a\nblue,train,b\n,test,a\n');
    const d = await loadDataset(file);
    assert.equal(d.dims, 2);
    assert.deepEqual(rows(d.test.x, 2), [[0, 0]]);
    assert.ok(
      d.warnings.some((w) => /1 missing value \(0 in train, 1 in test\) encoded as all zeros/.test(w)),
      d.warnings.join('\n'),
    );
  });
});

describe('text columns', () => {
  const reviews = [
    'the food was great and the service friendly',
    'terrible food, cold and late',
    'great value, would come again',
    'the service was slow and the food cold',
    'friendly staff and great coffee',
    'terrible food, cold and late',
  ];

  test('a free-text column becomes L2-normalised hashed TF-IDF; identical texts → identical rows', async () => {
    const lines = ['notes,stars,label', ...reviews.map((r, i) => `"${r}",${i % 5},${i % 2 ? 'neg' : 'pos'}`)];
    lines.push('"unseen words entirely",3,pos', ',2,neg');
    const file = write(tempDir(), 't.csv', lines.join('\n'));
    const d = await loadDataset(file, { testFraction: 0 });
    const x = rows(d.train.x, d.dims);
    const textDims = d.dims - 1;
    assert.ok(textDims > 20 && textDims <= 512, `text dims ${textDims}`);
    for (let i = 0; i < reviews.length; i++) {
      const norm = Math.sqrt(x[i].slice(0, textDims).reduce((a, v) => a + v * v, 0));
      assertClose(norm, 1, 1e-5, `row ${i} norm`);
    }
    assert.deepEqual(x[1].slice(0, textDims), x[5].slice(0, textDims));
    assert.notDeepEqual(x[0].slice(0, textDims), x[2].slice(0, textDims));
    assert.ok(
      x[7].slice(0, textDims).every((v) => v === 0),
      'missing text → zero row',
    );
    assert.ok(
      d.warnings.includes(`Column 'notes': 1 missing value (1 in train, 0 in test) treated as empty text.`),
      d.warnings.join('\n'),
    );
  });

  test('TfidfModel: unit-norm rows, idf weights, unknown words add nothing', () => {
    const model = TfidfModel.fit(['red apple', 'green apple', 'red car']);
    const out = new Float32Array(model.dims);
    model.transformInto('red apple', out, 0);
    assertClose(Math.hypot(...out), 1, 1e-6);
    const rare = new Float32Array(model.dims);
    model.transformInto('car', rare, 0);
    assert.equal(rare.filter((v) => v !== 0).length, 1);
    const none = new Float32Array(model.dims);
    model.transformInto('zebra', none, 0);
    assert.ok(
      none.every((v) => v === 0),
      'a word no training text has adds nothing',
    );
    // 'apple' is in 2 of 3 texts, 'car' in 1: the rarer word weighs more, by the ratio of smoothed idfs.
    const idf = (df: number) => Math.log(4 / (1 + df)) + 1;
    const two = new Float32Array(model.dims);
    model.transformInto('apple car', two, 0);
    const nz = [...two].filter((v) => v !== 0).sort((a, b) => a - b);
    assert.equal(nz.length, 2, 'the unseen bigram "apple car" is dropped');
    assertClose(nz[1] / nz[0], idf(1) / idf(2), 1e-5);
    assertClose(Math.hypot(...nz), 1, 1e-6);
  });

  test('a column named like text (review, comment, …) is text even with short values', async () => {
    const file = write(tempDir(), 'r.csv', 'review,label\ngood,a\nbad,b\ngood,a\nbad,b\n');
    const d = await loadDataset(file, { testFraction: 0 });
    assert.deepEqual(rows(d.train.x, d.dims)[0], rows(d.train.x, d.dims)[2]);
    assertClose(Math.hypot(...rows(d.train.x, d.dims)[0]), 1, 1e-6);
  });

  test('uni+bigram counts with a stable FNV-1a hash', () => {
    assert.equal(hashString(''), 2166136261);
    assert.equal(hashString('a'), 0xe40c292c);
    const counts = termCounts('Hello hello world', 512);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, 3 + 2, '3 words + 2 bigrams');
    assert.equal(
      counts.get(hashString('hello') % 512),
      2 + (hashString('hello hello') % 512 === hashString('hello') % 512 ? 1 : 0),
    );
  });

  test('JSONL-style text field detection by content: many distinct values with several words', async () => {
    const lines = ['comment_body,label', ...reviews.map((r, i) => `"${r} ${i}",${i % 2 ? 'neg' : 'pos'}`)];
    const d = await loadDataset(write(tempDir(), 'x.csv', lines.join('\n')), { testFraction: 0 });
    assert.ok(d.dims > 6, 'text, not 6 one-hot categories');
  });
});
