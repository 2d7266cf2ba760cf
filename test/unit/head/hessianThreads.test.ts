/**
 * How many threads form the head's Hessian (softmaxHead.ts): a binary head's single contrast is one work item, so no
 * helper thread is started for it (it would only be sent copies of the features and wait); three classes give two
 * items, and a helper. Seen from outside: the worker threads this process creates are counted. Node runs each test
 * file in its own process, so no helper is left over from another file.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import threads from 'node:worker_threads';
import { headContrastHessian, type HeadShape } from '../../../src/compute/head/softmaxHead';
import { PARALLEL_MIN_MACS } from '../../../src/compute/parallel/matrixHelper';
import { createRng } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

let created = 0;
const Original = threads.Worker;
threads.Worker = class extends Original {
  constructor(...args: ConstructorParameters<typeof Original>) {
    created++;
    super(...args);
  }
};

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

/** n rows of width d and softmax probabilities over c classes, with n·d²·(pairs) past the two-thread threshold. */
function head(c: number, d: number, n: number) {
  const rng = createRng(c);
  const phi = Float32Array.from({ length: n * d }, () => rng() - 0.5);
  const y = Int32Array.from({ length: n }, (_, i) => i % c);
  const probs = new Float64Array(n * c).fill(1 / c);
  const shape: HeadShape = { featureDim: d, numClasses: c };
  return { data: { phi, y, n }, shape, probs };
}

test('a binary head is formed on this thread alone, past the size that splits other heads', () => {
  const { data, shape, probs } = head(2, 1000, 2100);
  assert.ok(data.n * (shape.featureDim + 1) ** 2 >= PARALLEL_MIN_MACS, 'large enough for two threads');
  const h = headContrastHessian(data, shape, probs, 1);
  assert.equal(h.length, 1001 * 1001);
  assert.equal(created, 0);
});

test('three classes (two items) take a helper thread', { skip: availableParallelism() < 2 }, () => {
  const { data, shape, probs } = head(3, 1000, 2100);
  headContrastHessian(data, shape, probs, 1);
  assert.equal(created, 1);
});
