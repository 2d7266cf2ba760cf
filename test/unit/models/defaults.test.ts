import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBody } from '../../../src/compute/models/body';
import { defaultModelConfig } from '../../../src/compute/models/defaults';

test('defaults exist for every kind, are positive and build a body', () => {
  for (const kind of ['logreg', 'mlp', 'cnn'] as const) {
    const c = defaultModelConfig(kind);
    assert.equal(c.kind, kind);
    assert.ok(c.epochs > 0 && c.batchSize > 0 && c.learningRate > 0 && c.weightDecay > 0);
    const body = createBody(c, 784, [28, 28, 1]);
    assert.equal(body.kind, kind);
  }
  assert.equal(createBody(defaultModelConfig('mlp'), 784).featureDim, 128);
  assert.equal(createBody(defaultModelConfig('cnn'), 784, [28, 28, 1]).featureDim, 64);
  // A fresh object each time: callers may edit it.
  assert.notEqual(defaultModelConfig('mlp'), defaultModelConfig('mlp'));
});
