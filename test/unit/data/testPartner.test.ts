import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { findTestPartner, findTrainPartner, partnerNames } from '../../../src/compute/data/testPartner';
import { tempDir, write } from './helpers';

const CSV = 'x,y,label\n1,2,a\n3,4,b\n';
const partnerOf = async (file: string) => {
  const p = await findTestPartner(file);
  return p.kind === 'file' ? p.testPath : p.kind;
};

describe('test partner: which test set goes with a training file', () => {
  test('train.csv + test.csv in one folder', async () => {
    const dir = tempDir();
    const train = write(dir, 'train.csv', CSV);
    const test = write(dir, 'test.csv', 'label,x,y\na,0,0\n'); // same columns, another order
    const p = await findTestPartner(train);
    assert.equal(p.kind, 'file');
    assert.equal(p.kind === 'file' && p.testPath, test);
    assert.match(p.reason, /^test\.csv: the file beside train\.csv with the same columns/);
  });

  test('valid/validation/val/dev siblings when there is no test file; a test file wins over them', async () => {
    for (const name of ['valid.csv', 'validation.csv', 'val.csv', 'dev.csv']) {
      const dir = tempDir();
      const train = write(dir, 'train.csv', CSV);
      const other = write(dir, name, CSV);
      assert.equal(await partnerOf(train), other, name);
    }
    const dir = tempDir();
    const train = write(dir, 'train.csv', CSV);
    write(dir, 'valid.csv', CSV);
    const test = write(dir, 'test.csv', CSV);
    assert.equal(await partnerOf(train), test);
  });

  test('*_train.* / *_test.*, other separators, case and JSONL', async () => {
    const dir = tempDir();
    const pairs: [string, string, string, string][] = [
      ['iris_train.csv', CSV, 'iris_test.csv', CSV],
      ['train-2024.tsv', 'x\ty\tlabel\n', 'test-2024.tsv', 'label\tx\ty\n'],
      ['Reviews.Train.csv', 'text,label\n', 'Reviews.Test.csv', 'text,label\n'],
      ['training.jsonl', '{"x":1,"label":"a"}\n', 'testing.jsonl', '{"label":"b","x":2}\n'],
    ];
    for (const [trainName, trainText, testName, testText] of pairs) {
      const test = write(dir, testName, testText);
      assert.equal(await partnerOf(write(dir, trainName, trainText)), test, trainName);
    }
  });

  test('train/ and test/ folders: the same file name, or a test-named one', async () => {
    const dir = tempDir();
    const train = write(dir, 'train/data.csv', CSV);
    const test = write(dir, 'test/data.csv', CSV);
    assert.equal(await partnerOf(train), test);
    const dir2 = tempDir();
    const test2 = write(dir2, 'test/test.csv', CSV);
    assert.equal(await partnerOf(write(dir2, 'train/train.csv', CSV)), test2);
  });

  test('a train/ image folder and its sibling test/ folder (sharing a class folder)', async () => {
    const dir = tempDir();
    write(dir, 'train/cat/1.png', 'x');
    write(dir, 'test/cat/2.png', 'x');
    write(dir, 'other/dog/3.png', 'x');
    assert.equal(await partnerOf(path.join(dir, 'train')), path.join(dir, 'test'));
    const dir2 = tempDir();
    write(dir2, 'train/cat/1.png', 'x');
    write(dir2, 'test/fish/2.png', 'x');
    const p = await findTestPartner(path.join(dir2, 'train'));
    assert.equal(p.kind, 'none');
    assert.match(p.reason, /test \(no class folder in common\)/);
  });

  test('a split column: no partner, the file says which rows are test', async () => {
    const dir = tempDir();
    const train = write(dir, 'train.csv', 'x,Split,label\n1,train,a\n');
    write(dir, 'test.csv', 'x,Split,label\n1,test,a\n');
    const p = await findTestPartner(train);
    assert.deepEqual(p, { kind: 'split-column', column: 'Split', reason: "the 'Split' column of train.csv" });
    // …unless that column is the label.
    assert.equal((await findTestPartner(train, 'Split')).kind, 'file');
  });

  test('columns that differ: no partner, and the reason names the file', async () => {
    const dir = tempDir();
    const train = write(dir, 'train.csv', CSV);
    write(dir, 'test.csv', 'x,z,label\n1,2,a\n');
    const p = await findTestPartner(train);
    assert.equal(p.kind, 'none');
    assert.match(p.reason, /no test set with the same columns beside train\.csv: test\.csv \(other columns\)/);
    // A different column count too.
    fs.writeFileSync(path.join(dir, 'test.csv'), 'x,y\n1,2\n');
    assert.equal((await findTestPartner(train)).kind, 'none');
  });

  test('ambiguous: two test files of the same kind give no partner', async () => {
    const dir = tempDir();
    const train = write(dir, 'train.csv', CSV);
    write(dir, 'test.csv', CSV);
    write(dir, 'testing.csv', CSV);
    const p = await findTestPartner(train);
    assert.equal(p.kind, 'none');
    assert.match(p.reason, /more than one possible test set \(test\.csv, testing\.csv\)/);
    const dir2 = tempDir();
    const t2 = write(dir2, 'train/data.csv', CSV);
    write(dir2, 'test/data.csv', CSV);
    write(dir2, 'testing/data.csv', CSV);
    assert.equal((await findTestPartner(t2)).kind, 'none');
  });

  test('no pairing: a file not named like a training file, another extension, a word inside a word', async () => {
    const dir = tempDir();
    assert.equal(await partnerOf(write(dir, 'data.csv', CSV)), 'none');
    write(dir, 'test.csv', CSV);
    assert.equal(await partnerOf(write(dir, 'train.jsonl', '{"x":1}\n')), 'none');
    assert.equal(await partnerOf(write(dir, 'trains.csv', CSV)), 'none');
    write(dir, 'tests.csv', CSV);
    assert.equal(partnerNames('restraint.csv', '.csv'), undefined);
    assert.equal(partnerNames('constrain_train.csv', '.csv')?.test[1], 'constrain_test.csv');
  });

  test('the other way round: the training file a test file belongs to', async () => {
    const dir = tempDir();
    const train = write(dir, 'train.csv', CSV);
    const test = write(dir, 'test.csv', CSV);
    assert.equal(await findTrainPartner(test), train);
    assert.equal(await findTrainPartner(train), undefined);
    const dir2 = tempDir();
    const t2 = write(dir2, 'train/data.csv', CSV);
    assert.equal(await findTrainPartner(write(dir2, 'test/data.csv', CSV)), t2);
    // A test file whose columns differ belongs to no training file.
    const dir3 = tempDir();
    write(dir3, 'train.csv', CSV);
    assert.equal(await findTrainPartner(write(dir3, 'test.csv', 'a,b\n')), undefined);
  });
});
