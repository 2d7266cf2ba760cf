import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLossJvp } from '../../../src/compute/influence/lossJvp';
import { createFullObjective, trainNetwork } from '../../../src/compute/models/train';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';
import type { TrainingData } from '../../../src/compute/models/types';

before(async () => {
  await initBackend('wasm');
});

test('per-sample directional derivatives equal per-sample gradients dotted with the direction', async () => {
  const rng = createRng(5);
  const n = 37;
  const dims = 6;
  const data: TrainingData = {
    x: Float32Array.from({ length: n * dims }, () => normal(rng)),
    y: Int32Array.from({ length: n }, (_, i) => i % 3),
    n,
    dims,
    numClasses: 3,
  };
  const net = await trainNetwork({ ...defaultModelConfig('mlp'), hidden: [5, 4], epochs: 2, batchSize: 8 }, data);
  const objective = createFullObjective(net, data);
  const v = Float32Array.from({ length: objective.numParams }, () => normal(rng));
  const jvp = createLossJvp(net, data, 16); // batches of 16: exercises the batch seams
  const dots = jvp.along(v);
  for (let i = 0; i < n; i++) {
    const g = objective.perSampleGradient(i);
    let expected = 0;
    for (let q = 0; q < g.length; q++) expected += g[q] * v[q];
    assert.ok(
      Math.abs(dots[i] - expected) <= 1e-4 * (1 + Math.abs(expected)),
      `sample ${i}: ${dots[i]} vs ${expected}`,
    );
  }
  jvp.dispose();
  objective.dispose();
});
