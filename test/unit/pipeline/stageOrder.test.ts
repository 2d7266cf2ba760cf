/**
 * A run reports its stages in the order options.ts STAGES lists them, never going back: the host's progress bar
 * (host/analysis/progressModel.ts) moves through them in that order and never backwards, so a stage reported out of
 * order would leave the bar at the end of the run while influence still ran (the neighbour searches, reported under
 * the fit's name or the issues', were), or stuck where the frozen path's cross-fitting came after the Hessian.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { analyze, type AnalyzeRun } from '../../../src/compute/pipeline/analyze';
import { type Stage, STAGES } from '../../../src/compute/pipeline/options';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { initBackend } from '../../../src/compute/tf/backend';
import { warmSpare } from '../../helpers/warmWorker';
import { writeBlobsCsv } from '../../helpers/cli';

let dir: string;
let file: string;

before(async () => {
  await initBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-stages-'));
  file = writeBlobsCsv(path.join(dir, 'blobs.csv'), { n: 90, classes: ['a', 'b', 'c'], seed: 5 }).file;
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The stages a run reports, each once, in the order it first reported them; fails on a step back. */
async function stagesOf(options: Partial<AnalyzeRun>): Promise<Stage[]> {
  return (await runStages(options)).stages;
}

async function runStages(options: Partial<AnalyzeRun>): Promise<{ stages: Stage[]; results: ResultsFile }> {
  const seen: Stage[] = [];
  const results = await analyze({
    datasetPath: file,
    folds: 2,
    workers: 1,
    seed: 1,
    ...options,
    onProgress: (p) => {
      const last = seen.at(-1);
      if (p.stage === last) return;
      assert.ok(
        last === undefined || STAGES.indexOf(p.stage) > STAGES.indexOf(last),
        `'${p.stage}' reported after '${last}' (so far: ${seen.join(', ')})`,
      );
      seen.push(p.stage);
    },
  });
  return { stages: seen, results };
}

test('a trained model, checked for reliability: every stage in order, the neighbours before influence', async () => {
  const stages = await stagesOf({ model: 'mlp', hidden: [4], epochs: 2, method: 'exact', verify: 2 });
  assert.deepEqual(stages, [
    'load',
    'train',
    'features',
    'fit',
    'hessian',
    'neighbours',
    'influence',
    'ranking',
    'verify',
    'issues',
  ]);
});

test('beside a warm worker, the head stage runs while it trains the fold models: stages still in order', async () => {
  // Under tsx a prestarted worker is still starting when training begins; a warm one claims fold models at once, and
  // their progress arrives after the head stage has begun.
  const x = new Float32Array(new SharedArrayBuffer(60 * 2 * 4)).map((_, i) => Math.sin(i));
  const y = Int32Array.from({ length: 60 }, (_, i) => i % 3);
  const config = { ...defaultModelConfig('mlp'), hidden: [4], epochs: 3, seed: 0 };
  await warmSpare({ type: 'train', taskId: 0, config, data: { x, y, n: 60, dims: 2, numClasses: 3 }, backend: 'wasm' });
  const { stages, results } = await runStages({ model: 'mlp', hidden: [4], epochs: 3, folds: 3, workers: undefined });
  assert.equal(results.engine.workers, 2, 'the worker trained fold models beside the head stage');
  assert.deepEqual(stages.slice(0, 5), ['load', 'train', 'features', 'fit', 'hessian']);
});

test("the user's embeddings: the head's cross-fitting is reported as training, before the fit", async () => {
  const stages = await stagesOf({ embeddingColumns: 'x*', method: 'exact' });
  assert.deepEqual(stages.slice(0, 5), ['load', 'train', 'features', 'fit', 'hessian']);
  assert.ok(stages.includes('neighbours') && stages.at(-1) === 'issues', stages.join(', '));
});
