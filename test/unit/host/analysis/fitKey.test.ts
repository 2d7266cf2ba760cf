/**
 * The extension's cache key splits in two (jobOptions.ts, cache.ts): the
 * settings key names a results file, the fit key — the options that change
 * the trained model — names the saved fit those results share. "Run
 * reliability check", another top-k, another estimator or more explained
 * samples keep the fit key (the run reuses the fit); the model, the data
 * options and the seed change it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ResultsCache } from '../../../../src/host/analysis/cache';
import { settingsKey } from '../../../../src/host/analysis/fingerprint';
import {
  cacheKeyOptions,
  DEFAULT_SETTINGS,
  fitKeyOptions,
  jobOptionsFor,
} from '../../../../src/host/analysis/jobOptions';

const dir = mkdtempSync(path.join(os.tmpdir(), 'il-fitkey-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const plain = jobOptionsFor('/d.csv', DEFAULT_SETTINGS, {});
const fitKey = (o: typeof plain) => settingsKey(fitKeyOptions(o));

test('score options change the settings key but not the fit key', () => {
  const variants = [
    jobOptionsFor('/d.csv', DEFAULT_SETTINGS, {}, { verify: true }),
    jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, topK: 25 }, {}),
    jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, method: 'cg' }, {}),
    jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, subsetFraction: 0.3 }, {}),
    { ...plain, explain: 51 },
    // The panel's "remove the most harmful and retrain" re-runs on the saved fit (issue 17).
    jobOptionsFor('/d.csv', DEFAULT_SETTINGS, {}, { removeHarmful: 5 }),
  ];
  for (const v of variants) {
    assert.notEqual(settingsKey(cacheKeyOptions(v)), settingsKey(cacheKeyOptions(plain)), JSON.stringify(v));
    assert.equal(fitKey(v), fitKey(plain), JSON.stringify(v));
  }
});

test('fit options change the fit key; TracIn needs a fit with checkpoints', () => {
  const variants = [
    jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, model: 'logreg' }, {}),
    jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, seed: 1 }, {}),
    jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, folds: 3 }, {}),
    jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, maxSamples: 100 }, {}),
    jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, epochs: 2 }, {}),
    jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, weightDecay: 0.01 }, {}),
    jobOptionsFor('/d.csv', DEFAULT_SETTINGS, { labelColumn: 'kind' }),
    jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, method: 'tracin' }, {}),
  ];
  for (const v of variants) assert.notEqual(fitKey(v), fitKey(plain), JSON.stringify(v));
});

test('one saved fit per dataset stays on disk: older fits and everything kept beside them are removed', async () => {
  const cache = new ResultsCache(path.join(dir, 'results'));
  const ds = '/data/animals.csv';
  await cache.prepare(ds);
  const keep = cache.fitPath(ds, 'aaaa');
  const old = cache.fitPath(ds, 'bbbb');
  const results = cache.resultsPath(ds, 'cccc');
  const beside = ['', '.scores', '.scores.cg', '.neighbours', '.embeddings'];
  const files = [...beside.map((e) => `${keep}${e}`), ...beside.map((e) => `${old}${e}`), results];
  for (const f of files) writeFileSync(f, 'x');
  assert.equal(await cache.pruneFits(ds, keep), beside.length);
  assert.deepEqual(files.map(existsSync), [...beside.map(() => true), ...beside.map(() => false), true]);
});
