/**
 * fit() may run the head stage on the full model while the workers train the fold models (fit.ts): the fit must be
 * the one it is when the head stage waits for every model — the same head, factor, probabilities and out-of-sample
 * probabilities, to the bit — with the head stage's own laps in the timings, inside the training's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDataset } from '../../../src/compute/data';
import { fit, type Fitted, fitSettings, trainingViews } from '../../../src/compute/pipeline/fit';
import type { Progress } from '../../../src/compute/pipeline/options';
import { StageClock } from '../../../src/compute/pipeline/stageClock';
import { initBackend } from '../../../src/compute/tf/backend';
import { writeBlobsCsv } from '../../helpers/cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-head-beside-'));
const csv = path.join(dir, 'blobs.csv');

before(async () => {
  await initBackend('wasm');
  writeBlobsCsv(csv, { n: 400, classes: ['a', 'b', 'c'], seed: 3 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What a fit is, without its random id and the timings. */
function comparable(f: Fitted) {
  return {
    head: f.net.head,
    body: f.net.body,
    trainProbs: f.trainProbs,
    testProbs: f.testProbs,
    oosProbs: f.oosProbs,
    factor: f.factor?.lower,
    features: f.factor?.features,
    damping: f.headDamping,
    gradient: f.headGradientNorm,
    factorInfo: f.factorInfo,
  };
}

test('the head stage beside the folds gives the fit of the head stage after them, bit for bit', async () => {
  const data = await loadDataset(csv, { seed: 0 });
  const options = { datasetPath: csv, model: 'mlp' as const, method: 'exact' as const, folds: 3, seed: 0 };
  const settings = fitSettings(options, data);
  const run = async (headBesideTraining: boolean) => {
    const clock = new StageClock();
    const stages: string[] = [];
    const report = (p: Progress) => {
      if (stages.at(-1) !== p.stage) stages.push(p.stage);
    };
    const fitted = await fit(trainingViews(data), settings, { workers: 2, report, clock, headBesideTraining });
    return { fitted, clock, stages };
  };
  const after = await run(false);
  const beside = await run(true);
  assert.ok(after.fitted.factor, 'the head is factored');
  assert.deepEqual(comparable(beside.fitted), comparable(after.fitted));
  // The head stage's laps are there either way; beside the folds they lie within the training's span.
  for (const r of [after, beside])
    for (const s of ['train', 'features', 'fitHead', 'hessian']) assert.ok(s in r.clock.stages);
  const order = (r: typeof after) => Object.keys(r.clock.stages);
  assert.ok(order(beside).indexOf('hessian') < order(beside).indexOf('train'), 'lapped before training ended');
  assert.ok(order(after).indexOf('hessian') > order(after).indexOf('train'));
  const headSeconds = beside.clock.stages.features + beside.clock.stages.fitHead + beside.clock.stages.hessian;
  assert.ok(headSeconds <= beside.clock.stages.train, 'the head stage ran within the training');
  // Progress named the head stage's steps too (between the training's reports).
  assert.ok(beside.stages.includes('hessian') && beside.stages.includes('train'));
});
