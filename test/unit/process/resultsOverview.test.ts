/** The overview sent beside the results' bytes (resultsOverview.ts): the whole results but the per-sample records. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OVERVIEW_TRAIN_RECORDS, resultsOverview } from '../../../src/compute/process/resultsOverview';
import type { ResultsFile } from '../../../src/compute/results/schema';

/** A results object whose parts are told apart by their values; only the records' count and order matter here. */
function results(nTrain: number): ResultsFile {
  const train = Array.from({ length: nTrain }, (_, id) => ({ id, suspicion: 1 - id / nTrain }));
  return {
    schemaVersion: 1,
    createdAt: '2026-12-04T00:00:00.000Z',
    engine: { version: 'v', backend: 'wasm', workers: 2 },
    dataset: { nTrain, nTest: 3 },
    model: { kind: 'mlp' },
    influence: { method: 'exact' },
    labelIssues: { estimatedCount: 4 },
    issues: { counts: { harmful: 5 } },
    train,
    test: [{ id: 0 }, { id: 1 }, { id: 2 }],
    timings: { totalSeconds: 1, stages: { load: 0.5 } },
  } as unknown as ResultsFile;
}

test('every member but the records, as they are; the first training records, in order', () => {
  const full = results(50);
  const overview = resultsOverview(full);
  const { train, test: testRecords, ...rest } = full;
  const { topTrain, ...overviewRest } = overview;
  assert.deepEqual(overviewRest, rest);
  assert.deepEqual(topTrain, train.slice(0, OVERVIEW_TRAIN_RECORDS));
  assert.equal(topTrain.length, 10);
  assert.ok(!('train' in overview) && !('test' in overview), 'no per-sample records');
  assert.ok(testRecords.length > 0);
});

test('fewer training records than kept: all of them', () => {
  assert.deepEqual(resultsOverview(results(3)).topTrain, results(3).train);
  assert.deepEqual(resultsOverview(results(0)).topTrain, []);
});
