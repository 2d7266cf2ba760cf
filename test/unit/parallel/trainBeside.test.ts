/**
 * Training on this thread with a ready worker beside it (parallel/trainBeside.ts): whichever thread fits a task, the
 * results are those of training every task on this thread, in task order; a cancel rejects. Under tsx the worker is
 * src/compute/parallel/worker.ts through the eval'd bootstrap (startWorker.ts), slow to start: one test warms it
 * first so that it does take tasks, another hands the job a worker that is still starting. `afterFirst` runs here
 * after the first task, while the worker trains the others.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError } from '../../../src/compute/errors';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import { spareRowsLength } from '../../../src/compute/models/taskRows';
import type { TrainingData } from '../../../src/compute/models/types';
import type { TrainDone, TrainTask } from '../../../src/compute/parallel/messages';
import { runTrainTasks } from '../../../src/compute/parallel/pool';
import { hasSpare, prestartWorker } from '../../../src/compute/parallel/startWorker';
import { runTrainTasksBeside } from '../../../src/compute/parallel/trainBeside';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';
import { warmSpare } from '../../helpers/warmWorker';

function blobs(n: number, dims: number, numClasses: number, seed: number): TrainingData {
  const rng = createRng(seed);
  const x = new Float32Array(new SharedArrayBuffer(n * dims * 4));
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % numClasses;
    for (let j = 0; j < dims; j++) x[i * dims + j] = Math.sin(3 * y[i] + j) + normal(rng);
  }
  return { x, y, n, dims, numClasses };
}

const data = blobs(300, 12, 4, 3);

/** A logistic regression on all rows and on five folds' complements (predicting the fold), as pipeline/fit.ts asks. */
function tasks(): TrainTask[] {
  const config = { ...defaultModelConfig('logreg'), seed: 0 };
  const all: TrainTask[] = [{ type: 'train', taskId: 0, config, data, backend: 'wasm' }];
  for (let f = 0; f < 5; f++) {
    const rows = Int32Array.from({ length: data.n }, (_, i) => i).filter((i) => i % 5 !== f);
    const evalRows = Int32Array.from({ length: data.n }, (_, i) => i).filter((i) => i % 5 === f);
    all.push({ type: 'train', taskId: f + 1, config: { ...config, seed: f }, data, rows, evalRows, backend: 'wasm' });
  }
  return all;
}

/** What must not depend on where a task ran. */
const trained = (r: TrainDone) => ({ taskId: r.taskId, net: r.net, evalProbs: r.evalProbs });

before(async () => {
  await initBackend('wasm');
});

describe('runTrainTasksBeside', () => {
  let alone: TrainDone[];

  before(async () => {
    alone = await runTrainTasks(tasks(), { workers: 1 });
  });

  test('training on this thread (alone or beside a worker) keeps no packed rows for the stages after it', async () => {
    // An MLP trains through the dense trainer, which packs each task's rows (models/taskRows.ts).
    const mlp = tasks().map((t) => ({ ...t, config: { ...defaultModelConfig('mlp'), hidden: [8], epochs: 1 } }));
    await runTrainTasks(mlp, { workers: 1 });
    assert.equal(spareRowsLength(), 0);
    prestartWorker();
    await runTrainTasksBeside(mlp, {});
    assert.equal(spareRowsLength(), 0);
  });

  test('with a warm worker beside it, the same models in task order as on this thread alone', async () => {
    await warmSpare(tasks()[1]);
    assert.ok(hasSpare());
    const progress = new Set<number>();
    const beside = await runTrainTasksBeside(tasks(), { onProgress: (taskId) => progress.add(taskId) });
    assert.deepEqual(beside.done.map(trained), alone.map(trained));
    assert.deepEqual([...progress].sort(), [0, 1, 2, 3, 4, 5]);
  });

  test('with a worker still starting, the same models (this thread takes what it has not claimed)', async () => {
    prestartWorker();
    const beside = await runTrainTasksBeside(tasks(), {});
    assert.deepEqual(beside.done.map(trained), alone.map(trained));
  });

  test('afterFirst runs here with the first model while the worker trains the others', async () => {
    await warmSpare(tasks()[1]);
    let first: TrainDone | undefined;
    const beside = await runTrainTasksBeside(tasks(), {
      afterFirst: (done) => {
        first = done;
        // This thread busy for a second without the event loop (as the head stage is): the warm worker claims
        // the fold models meanwhile, each a few milliseconds here.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
      },
    });
    assert.deepEqual(first && trained(first), trained(alone[0]));
    assert.deepEqual(beside.done.map(trained), alone.map(trained));
    assert.ok(beside.byWorker >= 1, `the worker trained ${beside.byWorker} of the 5 others`);
    assert.ok(hasSpare(), 'the idle worker is kept for the next helper');
  });

  test(
    'a worker that stops mid-task: its claimed task is trained here, the same models',
    { timeout: 60_000 },
    async () => {
      // The model a logistic regression (quick here), the fold models slow MLPs: when this thread has trained the
      // model, the worker is inside the first fold model it claimed, and is stopped there.
      const mlp = { ...defaultModelConfig('mlp'), hidden: [16], epochs: 200 };
      const mixed = tasks().map((t, i) => (i === 0 ? t : { ...t, config: { ...mlp, seed: i } }));
      const reference = await runTrainTasks(mixed, { workers: 1 });
      const worker = await warmSpare(mixed[1]);
      const beside = await runTrainTasksBeside(mixed, { afterFirst: () => void worker.terminate() });
      assert.deepEqual(beside.done.map(trained), reference.map(trained));
      assert.equal(beside.byWorker, 0, 'the worker answered none before it stopped');
    },
  );

  test("afterFirst's failure rejects the job with that error", async () => {
    await warmSpare(tasks()[1]);
    const failure = new Error('the head stage failed');
    await assert.rejects(
      runTrainTasksBeside(tasks(), {
        afterFirst: () => {
          throw failure;
        },
      }),
      (error) => error === failure,
    );
  });

  test("a worker's failed task rejects the job with its message", { timeout: 60_000 }, async () => {
    await warmSpare(tasks()[1]);
    // Only the first fold model is broken (its rows run past the data): the warm worker claims it while this thread
    // trains the model, and afterFirst holds this thread until its failure is in. This thread's own tasks succeed, so
    // the rejection is the worker's failure (without it the job would wait for that task's answer forever).
    const broken = tasks();
    broken[1] = { ...broken[1], rows: Int32Array.of(0, data.n + 5) };
    await assert.rejects(
      runTrainTasksBeside(broken, {
        afterFirst: () => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000),
      }),
      /row 305 is outside the 300 rows of x/,
    );
  });

  test('a cancelled job rejects with CancelledError', async () => {
    prestartWorker();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(runTrainTasksBeside(tasks(), { signal: controller.signal }), CancelledError);
  });
});
