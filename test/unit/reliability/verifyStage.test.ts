/**
 * The reliability check through analyze(), as `--verify K` runs it:
 * - whole-network retrainings run on worker threads and give exactly what
 *   the same retrainings give one after another in this thread (the
 *   retrainer itself is checked against a float64 optimum in retrainFull.test.ts);
 * - on a convex model, last-layer influence agrees with retraining (r ≥ 0.95).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../src/compute/pipeline/analyze';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { initBackend } from '../../../src/compute/tf/backend';
import { writeBlobsCsv } from '../../helpers/cli';

let dir: string;
let file: string;

before(async () => {
  await initBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-verify-'));
  file = writeBlobsCsv(path.join(dir, 'blobs.csv'), {
    n: 150,
    classes: ['a', 'b', 'c'],
    seed: 11,
    separation: 1.5,
  }).file;
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const reliability = (r: ResultsFile) => {
  const rel = r.influence.reliability;
  assert.ok(rel, 'a reliability section');
  return rel;
};

describe('--verify with whole-network retraining', () => {
  const options = {
    model: 'mlp' as const,
    hidden: [6],
    epochs: 4,
    method: 'cg' as const,
    target: 'full' as const,
    explain: 4,
    verify: 4,
    verifyTestPoints: 2,
    folds: 2,
    seed: 5,
  };

  test('worker threads give the same pairs as retraining one after another', { timeout: 300_000 }, async () => {
    const serial = await analyze({ datasetPath: file, ...options, workers: 1 });
    const threaded = await analyze({ datasetPath: file, ...options, workers: 2 });
    const a = reliability(serial);
    const b = reliability(threaded);
    assert.equal(a.retrain, 'full');
    assert.equal(a.pairs.length, 4 * 2);
    assert.deepEqual(b.pairs, a.pairs);
    // The changes are real: not all zero, and finite.
    assert.ok(a.pairs.every((p) => Number.isFinite(p.actual) && Number.isFinite(p.predicted)));
    assert.ok(a.pairs.some((p) => Math.abs(p.actual) > 0));
  });
});

test('--verify on a convex model: last-layer influence agrees with retraining', { timeout: 120_000 }, async () => {
  const r = await analyze({
    datasetPath: file,
    model: 'logreg',
    method: 'exact',
    verify: 12,
    verifyTestPoints: 3,
    seed: 2,
    workers: 1,
  });
  const rel = reliability(r);
  assert.equal(rel.retrain, 'last-layer');
  assert.ok(rel.pearson >= 0.95, `Pearson ${rel.pearson}`);
  assert.equal(rel.warning, undefined);
});
