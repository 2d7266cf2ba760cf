/**
 * The worker-thread pool (parallel/pool.ts): worker threads train exactly what
 * in-process training trains, results come back in task order, failures and
 * cancellation reject, and cancelling stops the workers.
 * Under tsx the pool starts src/compute/parallel/worker.ts with `--import tsx`.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError } from '../../../src/compute/errors';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import type { ModelConfig, TrainingData, TrainProgress } from '../../../src/compute/models/types';
import type { TrainDone, TrainTask } from '../../../src/compute/parallel/messages';
import { runTrainTasks } from '../../../src/compute/parallel/pool';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

function blobs(n: number, dims: number, numClasses: number, seed: number): TrainingData {
  const rng = createRng(seed);
  const x = new Float32Array(n * dims);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % numClasses;
    for (let j = 0; j < dims; j++) x[i * dims + j] = 2 * Math.sin(3 * y[i] + j) + normal(rng);
  }
  return { x, y, n, dims, numClasses };
}

const data = blobs(90, 5, 3, 1);
const evalData = blobs(12, 5, 3, 2);
const config = (seed: number, epochs: number): ModelConfig => ({
  ...defaultModelConfig('mlp'),
  hidden: [8],
  epochs,
  batchSize: 16,
  seed,
});

/** Task 0 trains longest, so with two workers it finishes after tasks 1 and 2. */
const tasks = (): TrainTask[] => [
  { type: 'train', taskId: 0, config: config(10, 6), data, backend: 'wasm' },
  { type: 'train', taskId: 1, config: config(11, 2), data, evalX: evalData.x, evalN: evalData.n, backend: 'wasm' },
  {
    type: 'train',
    taskId: 2,
    config: config(12, 2),
    data: { ...data, n: 60, x: data.x.subarray(0, 60 * 5), y: data.y.subarray(0, 60) },
    evalX: evalData.x,
    evalN: evalData.n,
    backend: 'wasm',
  },
];

/** What must not depend on where a task ran. */
const trained = (r: TrainDone) => ({ taskId: r.taskId, net: r.net, evalProbs: r.evalProbs });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

before(async () => {
  await initBackend('wasm');
});

/**
 * pool.ts workerEntry() starts src/compute/parallel/worker.ts with execArgv
 * ['--import', 'tsx'] when dist/worker.js is not beside it. Node 20 does not
 * apply --import (ESM loader hooks) given in a Worker's execArgv
 * (nodejs/node#47747), so the worker dies with ERR_UNKNOWN_FILE_EXTENSION:
 * every workers ≥ 2 run from the TypeScript sources (tests, `npm run bench`)
 * fails. The bundled CLI (dist/worker.js) is not affected. A bootstrap that
 * works on Node 20: new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)})`, { eval: true }).
 */
describe('runTrainTasks', () => {
  let inProcess: TrainDone[];
  const progress = new Map<number, TrainProgress[]>();

  before(async () => {
    inProcess = await runTrainTasks(tasks(), {
      workers: 1,
      onProgress: (taskId, p) => progress.set(taskId, [...(progress.get(taskId) ?? []), p]),
    });
  });

  test('results come back in task order, with what each task asked for', () => {
    assert.deepEqual(
      inProcess.map((r) => r.taskId),
      [0, 1, 2],
    );
    assert.equal(inProcess[0].evalProbs, undefined);
    for (const r of inProcess.slice(1)) {
      assert.ok(r.evalProbs instanceof Float32Array && r.evalProbs.length === evalData.n * 3);
      for (let i = 0; i < evalData.n; i++) {
        const row = Array.from(r.evalProbs.subarray(i * 3, i * 3 + 3));
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'probabilities sum to 1');
      }
    }
    assert.ok(inProcess.every((r) => r.backend === 'wasm'));
    assert.ok(inProcess[0].net.head instanceof Float64Array);
    assert.equal(inProcess[0].net.config.seed, 10);
    assert.notDeepEqual(inProcess[1].net.head, inProcess[0].net.head, 'different seeds, different networks');
  });

  test('progress is reported per task and epoch', () => {
    assert.deepEqual(
      progress.get(0)?.map((p) => p.epoch),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(
      progress.get(1)?.map((p) => p.epoch),
      [1, 2],
    );
    assert.deepEqual(
      progress.get(2)?.map((p) => p.epoch),
      [1, 2],
    );
    for (const list of progress.values()) for (const p of list) assert.ok(Number.isFinite(p.loss) && p.loss > 0);
  });

  test('training is deterministic: the same tasks again give bit-identical networks', async () => {
    const again = await runTrainTasks(tasks(), { workers: 1 });
    assert.deepEqual(again.map(trained), inProcess.map(trained));
  });

  test('in-process: a failing task rejects with its error', async () => {
    const bad: TrainTask = { type: 'train', taskId: 7, config: config(1, 2), data: { ...data, numClasses: 1 } };
    await assert.rejects(runTrainTasks([tasks()[1], bad], { workers: 1 }), /at least 2 classes/);
  });

  test('two worker threads (worker.ts under tsx) give bit-identical results to in-process training', async () => {
    const threadProgress = new Map<number, number[]>();
    const threaded = await runTrainTasks(tasks(), {
      workers: 2,
      onProgress: (taskId, p) => threadProgress.set(taskId, [...(threadProgress.get(taskId) ?? []), p.epoch]),
    });
    assert.deepEqual(
      threaded.map((r) => r.taskId),
      [0, 1, 2],
      'task order, although task 0 finishes last',
    );
    assert.deepEqual(threaded.map(trained), inProcess.map(trained));
    assert.deepEqual(threadProgress.get(0), [1, 2, 3, 4, 5, 6]);
  });

  test('rows of shared features train exactly what the same rows passed by value train, in a worker too', async () => {
    const shared = new Float32Array(new SharedArrayBuffer(data.x.byteLength));
    shared.set(data.x);
    const rows = Int32Array.from({ length: 60 }, (_, r) => (r * 7) % data.n);
    const evalRows = Int32Array.of(1, 5, 88);
    const gathered = (idx: Int32Array) =>
      Float32Array.from(Array.from(idx).flatMap((i) => Array.from(data.x.subarray(i * 5, i * 5 + 5))));
    const byValue: TrainTask = {
      type: 'train',
      taskId: 0,
      config: config(13, 2),
      backend: 'wasm',
      data: { ...data, x: gathered(rows), y: Int32Array.from(rows, (i) => data.y[i]), n: rows.length },
      evalX: gathered(evalRows),
      evalN: evalRows.length,
    };
    const byRows: TrainTask = {
      type: 'train',
      taskId: 0,
      config: config(13, 2),
      backend: 'wasm',
      data: { ...data, x: shared },
      rows,
      evalRows,
    };
    const [expected] = await runTrainTasks([byValue], { workers: 1 });
    const [threaded] = await runTrainTasks([byRows, { ...byRows, taskId: 1 }], { workers: 2 });
    assert.deepEqual(trained(threaded), trained(expected));
    assert.ok(
      shared.buffer instanceof SharedArrayBuffer && shared[0] === data.x[0],
      'the shared features are left as they were',
    );
  });

  test('a task that fails in a worker thread rejects with its error', async () => {
    const bad: TrainTask = { type: 'train', taskId: 7, config: config(1, 2), data: { ...data, numClasses: 1 } };
    await assert.rejects(runTrainTasks([tasks()[1], bad], { workers: 2 }), /at least 2 classes/);
  });
});

describe('cancelling runTrainTasks', () => {
  const longTasks = (): TrainTask[] =>
    [0, 1, 2].map(
      (taskId) =>
        ({ type: 'train', taskId, config: config(taskId, 100_000), data, backend: 'wasm' }) satisfies TrainTask,
    );

  for (const workers of [1, 2]) {
    test(`workers=${workers}: an abort mid-training rejects with CancelledError and training stops`, {}, async () => {
      const controller = new AbortController();
      let messages = 0;
      const running = runTrainTasks(longTasks(), {
        workers,
        signal: controller.signal,
        onProgress: () => {
          messages++;
          if (messages === 3) controller.abort();
        },
      });
      await assert.rejects(running, CancelledError);
      assert.ok(messages >= 3, 'training had started');
      // Terminated workers (or the in-process loop) report nothing more after a short grace period.
      await sleep(300);
      const settled = messages;
      await sleep(1000);
      assert.equal(messages, settled, `no progress after cancelling (${messages - settled} more epochs reported)`);
    });
  }

  test('an already-aborted signal rejects at once without training', async () => {
    for (const workers of [1, 2]) {
      let messages = 0;
      await assert.rejects(
        runTrainTasks(longTasks(), { workers, signal: AbortSignal.abort(), onProgress: () => messages++ }),
        CancelledError,
      );
      await sleep(200);
      assert.equal(messages, 0, `workers=${workers}`);
    }
  });
});
