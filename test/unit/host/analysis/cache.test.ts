import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ResultsCache } from '../../../../src/host/analysis/cache';

const dir = mkdtempSync(path.join(os.tmpdir(), 'il-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('fresh, stale and missing results; latest; known datasets', async () => {
  const cache = new ResultsCache(path.join(dir, 'results'));
  const ds = '/data/animals.csv';
  assert.equal(await cache.lookup(ds, 'k1', 'fp1'), undefined);
  assert.equal(await cache.latest(ds), undefined);
  assert.deepEqual(await cache.knownDatasets(), []);

  await cache.prepare(ds);
  const file = cache.resultsPath(ds, 'k1');
  writeFileSync(file, '{}');
  await cache.record(ds, {
    settingsKey: 'k1',
    fingerprint: 'fp1',
    resultsFile: path.basename(file),
    createdAt: 't',
    options: { datasetPath: ds },
  });
  assert.equal((await cache.lookup(ds, 'k1', 'fp1'))?.status, 'fresh');
  assert.equal((await cache.lookup(ds, 'k1', 'fp2'))?.status, 'stale');
  assert.equal(await cache.lookup(ds, 'k2', 'fp1'), undefined, 'other settings are another result');
  assert.equal((await cache.latest(ds))?.resultsPath, file);
  assert.deepEqual(await cache.knownDatasets(), [ds]);

  rmSync(file);
  assert.equal(await cache.lookup(ds, 'k1', 'fp1'), undefined, 'an index entry without its file is no result');
});

test('a damaged index is treated as empty, not as an error', async () => {
  const cache = new ResultsCache(path.join(dir, 'damaged'));
  const ds = '/data/x.csv';
  await cache.prepare(ds);
  writeFileSync(path.join(cache.datasetDir(ds), 'index.json'), '{"datasetPath": 3');
  assert.equal(await cache.latest(ds), undefined);
  writeFileSync(
    path.join(cache.datasetDir(ds), 'index.json'),
    JSON.stringify({ datasetPath: ds, last: 'k', entries: { k: { settingsKey: 'k' } } }),
  );
  assert.equal(await cache.latest(ds), undefined);
});

test('leftover temp files of a killed writer are removed, results are kept', async () => {
  const cache = new ResultsCache(path.join(dir, 'leftovers'));
  const ds = '/data/y.csv';
  await cache.prepare(ds);
  const d = cache.datasetDir(ds);
  writeFileSync(path.join(d, '.results-k.json.123.456.tmp'), 'partial');
  writeFileSync(path.join(d, 'results-k.json'), '{}');
  assert.equal(await cache.removeLeftovers(ds), 1);
  assert.equal(existsSync(path.join(d, 'results-k.json')), true);
  assert.equal(await cache.removeLeftovers('/never/seen'), 0);
});
