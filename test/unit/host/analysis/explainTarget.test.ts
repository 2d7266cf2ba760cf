/**
 * "Explain this prediction" on a line of test.csv: the analysis in which
 * test.csv is the test set, never test.csv analyzed as a dataset of its own
 * (which gave 28 train / 7 test and replaced the real panel).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ResultsCache } from '../../../../src/host/analysis/cache';
import {
  analysisHolds,
  cachedDatasetFor,
  datasetGuessFor,
  explainTarget,
} from '../../../../src/host/analysis/explainTarget';

const dir = mkdtempSync(path.join(os.tmpdir(), 'il-explain-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CSV = 'x,y,label\n1,2,a\n3,4,b\n';

async function remember(cache: ResultsCache, datasetPath: string, testPath?: string): Promise<void> {
  await cache.prepare(datasetPath);
  const key = testPath ? 'kt' : 'k';
  const file = cache.resultsPath(datasetPath, key);
  writeFileSync(file, '{}');
  await cache.record(datasetPath, {
    settingsKey: key,
    fingerprint: 'f',
    resultsFile: path.basename(file),
    createdAt: 't',
    options: { datasetPath, ...(testPath ? { testPath } : {}) },
  });
}

test('a test file on screen as the test set is held by that analysis', () => {
  assert.equal(analysisHolds({ datasetPath: '/d/train.csv', testPath: '/d/test.csv' }, '/d/test.csv'), true);
  assert.equal(analysisHolds({ datasetPath: '/d/train.csv' }, '/d/test.csv'), false);
  assert.equal(analysisHolds({ datasetPath: '/d/train', testPath: '/d/test' }, '/d/test/cat/1.png'), true);
});

test(
  'an un-analyzed test file: the training file beside it is analyzed, ' +
    'unless the user chose another test set for it',
  async () => {
    const d = path.join(dir, 'guess');
    mkdirSync(d);
    const train = path.join(d, 'train.csv');
    const testFile = path.join(d, 'test.csv');
    writeFileSync(train, CSV);
    writeFileSync(testFile, CSV);
    assert.equal(await datasetGuessFor(testFile), train);
    assert.equal(await datasetGuessFor(testFile, () => ({ test: { kind: 'holdout' } })), testFile);
    assert.equal(await datasetGuessFor(testFile, () => ({ test: { kind: 'file', path: testFile } })), train);
    assert.equal(await datasetGuessFor(train), train);
    const cache = new ResultsCache(path.join(dir, 'cache-guess'));
    assert.deepEqual(await explainTarget(cache, testFile, () => ({})), { datasetPath: train, how: 'run' });
  },
);

test('cached analyses: the one testing on the file wins over an analysis of the file itself', async () => {
  const d = path.join(dir, 'cached');
  mkdirSync(d);
  const train = path.join(d, 'train.csv');
  const testFile = path.join(d, 'test.csv');
  writeFileSync(train, CSV);
  writeFileSync(testFile, CSV);
  const cache = new ResultsCache(path.join(dir, 'cache-cached'));
  // What the old version left: test.csv analyzed as its own dataset, and train.csv with a hold-out.
  await remember(cache, testFile);
  await remember(cache, train);
  assert.equal(await cachedDatasetFor(cache, testFile), testFile);
  assert.deepEqual(
    await explainTarget(cache, testFile, () => ({})),
    { datasetPath: train, how: 'run' },
    'the training file is analyzed (with its test file), not test.csv on its own',
  );
  await remember(cache, train, testFile);
  assert.equal(await cachedDatasetFor(cache, testFile), train);
  assert.deepEqual(await explainTarget(cache, testFile, () => ({})), { datasetPath: train, how: 'cached' });
  // A file that is nobody's test set is explained in its own analysis.
  const lone = path.join(d, 'other.csv');
  writeFileSync(lone, CSV);
  await remember(cache, lone);
  assert.deepEqual(await explainTarget(cache, lone, () => ({})), { datasetPath: lone, how: 'cached' });
});
