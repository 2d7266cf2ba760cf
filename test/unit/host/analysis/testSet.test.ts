/**
 * The host's side of "which test set": the remembered choice, the file found
 * beside the dataset, the job options the engine gets (testPath set by the
 * host, maxMemoryMB from the setting), and how the overview names it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultsFile } from '../../../../src/compute/results/schema';
import { checkJobOptions } from '../../../../src/protocol/compute';
import {
  cacheKeyOptions,
  DEFAULT_SETTINGS,
  inExtensionTerms,
  jobOptionsFor,
  parseDatasetChoices,
} from '../../../../src/host/analysis/jobOptions';
import { describeTestSet } from '../../../../src/host/panel/resultsView';
import { parseTestChoice, testSetFor } from '../../../../src/host/analysis/testSet';

const found = {
  kind: 'file',
  testPath: '/d/test.csv',
  reason: 'test.csv: the file beside train.csv with the same columns',
} as const;
const none = { kind: 'none', reason: 'no test set beside train.csv', candidates: [] } as const;

test('test set: the file found beside the dataset, unless the user chose a hold-out or another file', () => {
  assert.deepEqual(testSetFor('/d/train.csv', undefined, found, false), {
    testPath: '/d/test.csv',
    description: found.reason,
  });
  assert.deepEqual(testSetFor('/d/train.csv', { kind: 'holdout' }, found, false), {
    description: 'a 20% hold-out of train.csv (chosen)',
  });
  assert.deepEqual(testSetFor('/d/train.csv', { kind: 'file', path: '/e/t.csv' }, found, false), {
    testPath: '/e/t.csv',
    description: 't.csv (chosen)',
  });
  assert.deepEqual(testSetFor('/d/train.csv', undefined, none, false), { description: 'a 20% hold-out of train.csv' });
  const split = { kind: 'split-column', column: 'split', reason: "the 'split' column of train.csv" } as const;
  assert.deepEqual(testSetFor('/d/train.csv', undefined, split, false), { description: split.reason });
  const ambiguous = {
    kind: 'none',
    reason: 'more than one possible test set (test.csv, testing.csv); name one',
    candidates: ['/d/test.csv', '/d/testing.csv'],
  } as const;
  assert.match(
    testSetFor('/d/train.csv', undefined, ambiguous, false).description,
    /^a 20% hold-out of train\.csv: more than one/,
  );
});

test('test set: remembered with the other choices, and a damaged stored choice is ignored', () => {
  const stored = JSON.parse(
    JSON.stringify({ model: 'logreg', test: { kind: 'file', path: '/d/other.csv' } }),
  ) as unknown;
  assert.deepEqual(parseDatasetChoices(stored), { model: 'logreg', test: { kind: 'file', path: '/d/other.csv' } });
  assert.deepEqual(parseDatasetChoices({ model: 'big', test: 'test.csv' }), {});
  assert.equal(parseTestChoice({ kind: 'file', path: 'relative.csv' }), undefined);
  assert.equal(parseTestChoice({ kind: 'bogus' }), undefined);
  assert.deepEqual(parseTestChoice({ kind: 'holdout' }), { kind: 'holdout' });
});

test(
  'job options: the host sets testPath; maxMemoryMB reaches the engine, ' +
    'passes the wire check and does not change the cache key',
  () => {
    const options = jobOptionsFor(
      '/d/train.csv',
      { ...DEFAULT_SETTINGS, maxMemoryMB: 1536.4 },
      {},
      { testPath: '/d/test.csv' },
    );
    assert.equal(options.testPath, '/d/test.csv');
    assert.equal(options.maxMemoryMB, 1536);
    assert.deepEqual(checkJobOptions(options, 'options'), options);
    assert.equal(
      jobOptionsFor('/d/train.csv', DEFAULT_SETTINGS, {}).maxMemoryMB,
      undefined,
      '0 = no limit from the setting',
    );
    const withoutLimit = jobOptionsFor('/d/train.csv', DEFAULT_SETTINGS, {}, { testPath: '/d/test.csv' });
    assert.deepEqual(cacheKeyOptions(options), cacheKeyOptions(withoutLimit));
    assert.notDeepEqual(
      cacheKeyOptions(withoutLimit),
      cacheKeyOptions(jobOptionsFor('/d/train.csv', DEFAULT_SETTINGS, {})),
      'another test set is another result',
    );
  },
);

test('overview: the test set by name', () => {
  const base = {
    dataset: { testSource: 'test-file', testPath: 'test.csv' },
    test: [{ source: { path: 'test.csv' } }],
  } as unknown as ResultsFile;
  assert.equal(describeTestSet(base, 'train.csv'), 'test.csv (a separate file)');
  const older = { ...base, dataset: { testSource: 'test-file' } } as unknown as ResultsFile;
  assert.equal(
    describeTestSet(older, 'train.csv'),
    'test.csv (a separate file)',
    'results without testPath name it through their test samples',
  );
  assert.equal(
    describeTestSet({ ...base, dataset: { testSource: 'holdout' } } as unknown as ResultsFile, 'train.csv'),
    'a stratified hold-out of train.csv',
  );
  const images = {
    dataset: { testSource: 'test-folder' },
    test: [{ source: { path: 'test/cat/1.png' } }],
  } as unknown as ResultsFile;
  assert.equal(describeTestSet(images, 'pets'), 'the test/ folder');
});

test('an engine refusal over the memory limit names the extension setting, not the CLI flag', () => {
  const engine =
    'd.csv: the analysis would not fit in memory: about 120 MB … more than ' +
    'the limit of 48 MB (the maxMemoryMB option); expected a run that fits: ' +
    'use a higher limit, the maxMemoryMB option (now 48)';
  const { text, memory } = inExtensionTerms(engine);
  assert.equal(memory, true);
  assert.doesNotMatch(text, /--max-memory-mb|maxMemoryMB option/);
  assert.match(text, /more than the limit of 48 MB \(the influenceLens\.maxMemoryMB setting\)/);
  assert.deepEqual(inExtensionTerms('d.csv:3: junk'), { text: 'd.csv:3: junk', memory: false });
});
