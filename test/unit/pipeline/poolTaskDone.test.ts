/**
 * The pool counts finished tasks (issue 12, item 16): the reliability
 * check's whole-network retrainings report nothing per epoch, so without
 * this count their stage sat at 0 of k for minutes, with no time left.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import type { TrainingData } from '../../../src/compute/models/types';
import type { TrainTask } from '../../../src/compute/parallel/messages';
import { runTrainTasks } from '../../../src/compute/parallel/pool';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

const rng = createRng(3);
const data: TrainingData = {
  x: Float32Array.from({ length: 40 * 3 }, () => normal(rng)),
  y: Int32Array.from({ length: 40 }, (_, i) => i % 2),
  n: 40,
  dims: 3,
  numClasses: 2,
};
const tasks = (): TrainTask[] =>
  [0, 1, 2].map((taskId) => ({
    type: 'train',
    taskId,
    config: { ...defaultModelConfig('logreg'), epochs: 1, seed: taskId },
    data,
    backend: 'wasm',
  }));

before(async () => {
  await initBackend('wasm');
});

for (const workers of [1, 2]) {
  test(`${workers} worker(s): one count per finished task, up to the number of tasks`, async () => {
    const counts: string[] = [];
    await runTrainTasks(tasks(), { workers, onTaskDone: (done, total) => counts.push(`${done}/${total}`) });
    assert.deepEqual(counts, ['1/3', '2/3', '3/3']);
  });
}
