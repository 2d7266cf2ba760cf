/**
 * "Explain this prediction" on a test sample the shown results do not
 * explain (cg/lissa/gif explain the first 50): the command re-runs on the
 * saved fit with the sample's id added to the ones already explained
 * (explainMore.ts), as job options whose fit key is unchanged, and the
 * engine behind the compute client explains exactly that sample besides the
 * others — resuming from the solves kept for the fit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ComputeRun } from '../../../../src/host/analysis/computeClient';
import { ensureExplained, explainIdsFor } from '../../../../src/host/analysis/explainMore';
import { settingsKey } from '../../../../src/host/analysis/fingerprint';
import {
  cacheKeyOptions,
  DEFAULT_SETTINGS,
  fitKeyOptions,
  jobOptionsFor,
} from '../../../../src/host/analysis/jobOptions';
import { writeBlobsCsv } from '../../../helpers/cli';

const ENTRY = path.resolve(__dirname, '../../../../src/compute/process/entry.ts');
const dir = mkdtempSync(path.join(os.tmpdir(), 'il-explain-more-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the ids asked for: those explained beyond the first ones, then the new one', () => {
  assert.deepEqual(explainIdsFor([0, 1, 2], 7), [7]);
  assert.deepEqual(explainIdsFor([0, 1, 2, 10], 12), [10, 12]);
  assert.equal(explainIdsFor([0, 1, 2, 10], 10), undefined, 'explained already');
  assert.equal(explainIdsFor([0, 1, 2], 1), undefined);
  assert.equal(explainIdsFor(null, 5), undefined, 'exact and TracIn explain every test sample');
});

test('a re-run only when the sample is not explained; its failure is reported', async () => {
  const calls: [string, number[]][] = [];
  const deps = (explained: number[] | null, ok = true) => ({
    explained: () => explained,
    rerun: (datasetPath: string, ids: number[]) => {
      calls.push([datasetPath, ids]);
      return Promise.resolve(ok);
    },
  });
  assert.equal(await ensureExplained(deps([0, 1, 2]), '/d.csv', 2), 'already');
  assert.equal(await ensureExplained(deps(null), '/d.csv', 9), 'already');
  assert.deepEqual(calls, []);
  assert.equal(await ensureExplained(deps([0, 1, 2, 10]), '/d.csv', 4), 'rerun');
  assert.deepEqual(calls, [['/d.csv', [10, 4]]]);
  assert.equal(await ensureExplained(deps([0, 1], false), '/d.csv', 4), 'failed');
});

test('the job options keep the fit key (the fit is reused) and refuse what is not a test id', () => {
  const plain = jobOptionsFor('/d.csv', DEFAULT_SETTINGS, {});
  const more = jobOptionsFor('/d.csv', DEFAULT_SETTINGS, {}, { explainIds: [10, 4] });
  assert.deepEqual(more.explainIds, [10, 4]);
  assert.notEqual(settingsKey(cacheKeyOptions(more)), settingsKey(cacheKeyOptions(plain)));
  assert.equal(settingsKey(fitKeyOptions(more)), settingsKey(fitKeyOptions(plain)));
  assert.throws(() => jobOptionsFor('/d.csv', DEFAULT_SETTINGS, {}, { explainIds: [-1] }), /explainIds/);
});

test('through the compute client, the engine explains that test sample too, on the saved fit', async () => {
  const csv = writeBlobsCsv(path.join(dir, 'blobs.csv'), { n: 90, classes: ['a', 'b'], seed: 4 }).file;
  const fitPath = path.join(dir, 'fit.bin');
  const settings = { ...DEFAULT_SETTINGS, method: 'cg' as const };
  const run = async (explainIds?: number[]) => {
    const out = path.join(dir, `results-${explainIds?.join('-') ?? 'first'}.json`);
    const logs: string[] = [];
    const options = { ...jobOptionsFor(csv, settings, {}, { explainIds }), explain: 2, folds: 2, workers: 1 };
    const compute = new ComputeRun({
      entry: ENTRY,
      execArgv: ['--import', 'tsx'],
      options,
      resultsPath: out,
      fitPath,
      onLog: (_level, m) => logs.push(m),
    });
    assert.deepEqual(await compute.done, { kind: 'result', resultsPath: out });
    const results = JSON.parse(readFileSync(out, 'utf8')) as {
      influence: { explained: number[] | null };
      test: { id: number; proponents: unknown[] }[];
    };
    return { results, logs: logs.join('\n') };
  };
  const first = await run();
  assert.deepEqual(first.results.influence.explained, [0, 1]);
  const ids = explainIdsFor(first.results.influence.explained, 7);
  assert.deepEqual(ids, [7]);
  const more = await run(ids);
  assert.deepEqual(more.results.influence.explained, [0, 1, 7]);
  assert.ok(more.results.test.find((t) => t.id === 7)!.proponents.length > 0, 'sample 7 has proponents');
  assert.match(more.logs, /reusing the saved fit/);
  assert.match(more.logs, /resuming from 2 solve\(s\)/);
});
