/**
 * Where a fit trains (pipeline/trainThreads.ts): a small job on the analysis thread, a large one on worker
 * threads, what the user asked for when they asked — and the fit is the same bytes wherever it trained.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDataset } from '../../../src/compute/data';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import type { ModelConfig, TrainingData } from '../../../src/compute/models/types';
import type { TrainTask } from '../../../src/compute/parallel/messages';
import { crossFitTasks } from '../../../src/compute/pipeline/crossfit';
import { fit, type Fitted, fitSettings, trainingViews } from '../../../src/compute/pipeline/fit';
import type { AnalyzeOptions } from '../../../src/compute/pipeline/options';
import { StageClock } from '../../../src/compute/pipeline/stageClock';
import {
  IN_PROCESS_BELOW_SECONDS,
  predictedTaskSeconds,
  trainingThreads,
} from '../../../src/compute/pipeline/trainThreads';
import { initBackend } from '../../../src/compute/tf/backend';
import { writeBlobsCsv } from '../../helpers/cli';

/** A fit's tasks as fit() builds them: the model on every row, then one per fold. */
function fitTasks(rows: number, dims: number, numClasses: number, config: ModelConfig, folds = 5): TrainTask[] {
  const data: TrainingData = {
    x: new Float32Array(rows * dims),
    y: Int32Array.from({ length: rows }, (_, i) => i % numClasses),
    n: rows,
    dims,
    numClasses,
  };
  return [{ type: 'train', taskId: 0, config, data }, ...crossFitTasks(data, config, folds, 0).tasks];
}

const logreg = defaultModelConfig('logreg');
const mlp = defaultModelConfig('mlp');

describe('trainingThreads', () => {
  test('the digits logreg (1,438 rows, 64 pixels, 10 classes) trains on the analysis thread', () => {
    const tasks = fitTasks(1438, 64, 10, logreg);
    const seconds = tasks.reduce((s, t) => s + predictedTaskSeconds(t), 0);
    assert.ok(seconds < IN_PROCESS_BELOW_SECONDS, `predicted ${seconds} s`);
    assert.equal(trainingThreads(undefined, tasks, 2), 1);
  });

  test('26 classes × 16k rows (MLP), 200 classes under auto, and a CNN get the worker threads', () => {
    assert.equal(trainingThreads(undefined, fitTasks(16000, 16, 26, mlp), 2), 2);
    const auto = [...fitTasks(1600, 16, 200, mlp), ...fitTasks(1600, 16, 200, logreg)];
    assert.equal(trainingThreads(undefined, auto, 2), 2);
    // Tiny by its parameter count, but a convolution's work is not: it is never kept on the analysis thread.
    const cnn: ModelConfig = { ...defaultModelConfig('cnn'), epochs: 1 };
    const images = fitTasks(50, 64, 2, cnn).map((t) => ({
      ...t,
      data: { ...t.data, imageShape: [8, 8, 1] as [8, 8, 1] },
    }));
    assert.equal(trainingThreads(undefined, images, 2), 2);
  });

  test('the prediction grows with rows, epochs and width; --workers is taken as given; one core is one thread', () => {
    const small = predictedTaskSeconds(fitTasks(1000, 16, 10, mlp)[1]);
    assert.ok(predictedTaskSeconds(fitTasks(4000, 16, 10, mlp)[1]) > 3 * small);
    assert.ok(predictedTaskSeconds(fitTasks(1000, 16, 10, { ...mlp, epochs: 4 * mlp.epochs })[1]) > 3 * small);
    assert.ok(predictedTaskSeconds(fitTasks(1000, 16, 10, { ...mlp, hidden: [1024] })[1]) > 3 * small);
    const tiny = fitTasks(100, 4, 2, logreg);
    assert.equal(trainingThreads(2, tiny, 2), 2);
    assert.equal(trainingThreads(undefined, fitTasks(16000, 16, 26, mlp), 1), 1);
  });
});

describe('a fit is the same bytes on the analysis thread and on worker threads', () => {
  let dir: string;
  let file: string;
  before(async () => {
    await initBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-trainthreads-'));
    file = writeBlobsCsv(path.join(dir, 'blobs.csv'), {
      n: 150,
      classes: ['a', 'b', 'c'],
      seed: 5,
      separation: 1.2,
    }).file;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function fitWith(workers: number | undefined): Promise<Fitted> {
    // auto: the MLP and logistic regression, each with its fold models (12 tasks).
    const options: AnalyzeOptions = { datasetPath: file, model: 'auto', hidden: [6], epochs: 3, seed: 2 };
    const data = await loadDataset(file, { seed: 2 });
    const settings = fitSettings(options, data);
    return fit(trainingViews(data), settings, { workers, report: () => {}, clock: new StageClock() });
  }

  test(
    'trained weights, head, out-of-sample and fitted probabilities, Hessian factor',
    { timeout: 300_000 },
    async () => {
      const here = await fitWith(undefined);
      const threads = await fitWith(2);
      assert.equal(here.workers, 1, 'a job this small trains on the analysis thread');
      assert.equal(threads.workers, 2);
      assert.deepEqual(here.choice, threads.choice);
      assert.deepEqual(here.net.body, threads.net.body);
      assert.deepEqual(here.net.head, threads.net.head);
      assert.deepEqual(here.oosProbs, threads.oosProbs);
      assert.deepEqual(here.trainProbs, threads.trainProbs);
      assert.deepEqual(here.testProbs, threads.testProbs);
      assert.ok(here.factor && threads.factor);
      assert.deepEqual(here.factor, threads.factor);
    },
  );
});
