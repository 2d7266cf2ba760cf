/**
 * train.csv beside test.csv through the real command line: the test file is
 * found, named on stderr and in the results (dataset.testPath), the accuracy
 * is the test file's; --no-test-partner holds out 20% instead; --test wins.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { describeRun, ensureBuilt, makeTempDir, runCli, writeBlobsCsv } from '../../helpers/cli';

const root = makeTempDir('testpartner');
after(() => fs.rmSync(root, { recursive: true, force: true }));

const FAST = ['--no-progress', '--workers', '1', '--epochs', '2', '--json'];
const classes = ['a', 'b'];
let train: string;

async function analyze(args: string[]) {
  const out = path.join(root, `out-${args.join('_').replace(/\W+/g, '')}.json`);
  const run = await runCli(['analyze', train, '--out', out, ...FAST, ...args]);
  assert.equal(run.code, 0, describeRun(run));
  return { run, results: JSON.parse(fs.readFileSync(out, 'utf8')) as ResultsFile };
}

before(async () => {
  await ensureBuilt();
  train = writeBlobsCsv(path.join(root, 'data', 'train.csv'), { n: 40, classes, seed: 1 }).file;
  writeBlobsCsv(path.join(root, 'data', 'test.csv'), { n: 12, classes, seed: 2 });
  writeBlobsCsv(path.join(root, 'data', 'other.csv'), { n: 10, classes, seed: 3 });
});

describe('CLI: a test file beside the training file', () => {
  test('train.csv beside test.csv: test.csv is the test set, and stderr says so', async () => {
    const { run, results } = await analyze([]);
    assert.match(run.stderr, /test set: test\.csv: the file beside train\.csv with the same columns/);
    assert.equal(results.dataset.testSource, 'test-file');
    assert.equal(results.dataset.testPath, 'test.csv');
    assert.equal(results.dataset.nTrain, 40);
    assert.equal(results.dataset.nTest, 12);
    assert.ok(results.test.every((t) => t.source.path === 'test.csv'));
  });

  test('--no-test-partner holds out 20% of train.csv; --test names another file', async () => {
    const [off, other] = await Promise.all([
      analyze(['--no-test-partner']),
      analyze(['--test', path.join(root, 'data', 'other.csv')]),
    ]);
    assert.doesNotMatch(off.run.stderr, /test set/);
    assert.equal(off.results.dataset.testSource, 'holdout');
    assert.equal(off.results.dataset.testPath, undefined);
    assert.equal(off.results.dataset.nTrain + off.results.dataset.nTest, 40);
    assert.equal(other.results.dataset.testPath, 'other.csv');
    assert.equal(other.results.dataset.nTest, 10);
  });
});
