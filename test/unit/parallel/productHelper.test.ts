/**
 * The engine's synchronous side of a products worker (parallel/productHelper.ts): a cancel is seen while it waits
 * for the worker, a worker that cannot serve says why instead of leaving the engine waiting, and a late reply to an
 * abandoned request is not taken for the next one. (Its products are checked in influence/batchedNetwork.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSharedCancelFlag, raiseSharedCancelFlag, signalFromSharedFlag } from '../../../src/compute/cancel';
import { CancelledError } from '../../../src/compute/errors';
import type { TrainedNetwork, TrainingData } from '../../../src/compute/models/types';
import { startProductHelper } from '../../../src/compute/parallel/productHelper';

const config = {
  kind: 'logreg' as const,
  hidden: [],
  convChannels: [],
  weightDecay: 0.01,
  epochs: 1,
  batchSize: 8,
  learningRate: 0.01,
  seed: 3,
};
/** Logistic regression on 2 features, 2 classes: head kernel [2, 2] and bias [2]. */
const net: TrainedNetwork = {
  config,
  dims: 2,
  numClasses: 2,
  body: [],
  featureDim: 2,
  head: Float64Array.of(0.5, -0.5, 1, 0.25, 0.1, -0.1),
};
const data: TrainingData = {
  x: Float32Array.of(1, 0, 0, 1, 1, 1, -1, 2),
  y: Int32Array.of(0, 1, 1, 0),
  n: 4,
  dims: 2,
  numClasses: 2,
};

test('a cancel raised while the engine waits for the worker throws CancelledError', () => {
  const flag = createSharedCancelFlag();
  const helper = startProductHelper(net, data, 2, 4, 'wasm');
  try {
    helper.post('hvp', [new Float64Array(6).fill(1)]);
    // The worker is still starting (it loads the engine): the wait is what sees the flag.
    raiseSharedCancelFlag(flag);
    assert.throws(() => helper.collect(signalFromSharedFlag(flag)), CancelledError);
  } finally {
    helper.dispose();
  }
});

test('answers come back in order; a late answer to an abandoned request is skipped', () => {
  const helper = startProductHelper(net, data, 0, 4, 'wasm');
  try {
    const ones = [new Float64Array(6).fill(1)];
    const basis = [Float64Array.of(1, 0, 0, 0, 0, 0)];
    helper.post('hvp', ones);
    const first = helper.collect();
    // Abandon a request (as a cancel does), then ask another: the answer is the second one's.
    helper.post('hvp', ones);
    helper.post('hvp', basis);
    const second = helper.collect();
    helper.post('hvp', basis);
    assert.deepEqual(second, helper.collect());
    assert.notDeepEqual(first, second);
    helper.post('dots', ones);
    assert.equal(helper.collect()[0].length, 4);
  } finally {
    helper.dispose();
  }
});

test('a worker that cannot build its products says why', () => {
  const cnn = { ...net, config: { ...config, kind: 'cnn' as const } };
  const helper = startProductHelper(cnn, data, 0, 4, 'wasm');
  try {
    helper.post('hvp', [new Float64Array(6)]);
    assert.throws(() => helper.collect(), /not a chain of dense layers/);
  } finally {
    helper.dispose();
  }
});
