/**
 * Many Hessian-vector products (and per-sample directional derivatives) in one
 * pass over the data (influence/batchedNetwork.ts) equal the single-vector
 * products the solvers used one at a time: the double-backprop HVP of
 * fullObjective (itself checked against float64 finite differences in
 * models/fullObjective.test.ts) and the double-VJP of lossJvp. Tolerance:
 * float32 products over a few dozen samples, 1e-4 relative to the vector's scale.
 * With the second half of the rows on a worker thread, the products are the
 * same bytes as on one thread, and H·v matches float64 finite differences.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSharedCancelFlag, raiseSharedCancelFlag, signalFromSharedFlag } from '../../../src/compute/cancel';
import { CancelledError } from '../../../src/compute/errors';
import { createBatchedNetwork } from '../../../src/compute/influence/batchedNetwork';
import { createLossJvp } from '../../../src/compute/influence/lossJvp';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import { createFullObjective, trainNetwork } from '../../../src/compute/models/train';
import type { TrainedNetwork, TrainingData } from '../../../src/compute/models/types';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';
import { type RefArch, refHvp, relativeError } from '../models/f64Reference';

let data: TrainingData;
let mlp: TrainedNetwork;
let logreg: TrainedNetwork;

before(async () => {
  await initBackend('wasm');
  const rng = createRng(17);
  const n = 45;
  const dims = 5;
  data = {
    x: Float32Array.from({ length: n * dims }, () => normal(rng)),
    y: Int32Array.from({ length: n }, (_, i) => i % 3),
    n,
    dims,
    numClasses: 3,
  };
  mlp = await trainNetwork(
    { ...defaultModelConfig('mlp'), hidden: [6, 4], weightDecay: 0.01, epochs: 3, batchSize: 8 },
    data,
  );
  logreg = await trainNetwork({ ...defaultModelConfig('logreg'), weightDecay: 0.01, epochs: 3, batchSize: 8 }, data);
});

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

for (const [name, net] of [
  ['a two-layer ReLU MLP', () => mlp],
  ['logistic regression', () => logreg],
] as const) {
  test(`${name}: H·v_b for 7 vectors at once equals 7 single HVPs`, () => {
    const rng = createRng(3);
    const objective = createFullObjective(net(), data);
    const batched = createBatchedNetwork(net(), data);
    assert.ok(batched, 'a dense chain is batched');
    const vs = Array.from({ length: 7 }, () => Float64Array.from({ length: objective.numParams }, () => normal(rng)));
    const many = batched.hvpMany(vs);
    vs.forEach((v, b) => {
      const one = objective.hvp(Float32Array.from(v));
      const scale = maxAbs(one);
      for (let q = 0; q < one.length; q++)
        assert.ok(Math.abs(many[b][q] - one[q]) <= 1e-4 * scale, `vector ${b}, entry ${q}: ${many[b][q]} vs ${one[q]}`);
    });
    objective.dispose();
    batched.dispose();
  });

  test(`${name}: g_i·x_b for 5 directions at once equals 5 single passes`, () => {
    const rng = createRng(4);
    const jvp = createLossJvp(net(), data, 16);
    const batched = createBatchedNetwork(net(), data)!;
    const xs = Array.from({ length: 5 }, () => Float64Array.from({ length: batched.numParams }, () => normal(rng)));
    const many = batched.dotsMany(xs);
    xs.forEach((x, b) => {
      const one = jvp.along(Float32Array.from(x));
      const scale = maxAbs(one);
      for (let i = 0; i < one.length; i++)
        assert.ok(
          Math.abs(many[b][i] - one[i]) <= 1e-4 * scale,
          `direction ${b}, sample ${i}: ${many[b][i]} vs ${one[i]}`,
        );
    });
    jvp.dispose();
    batched.dispose();
  });
}

test('a body that is not a chain of dense layers is not batched (the caller loops)', async () => {
  const net = { ...mlp, config: { ...mlp.config, kind: 'cnn' as const } };
  assert.equal(createBatchedNetwork(net, data), undefined);
});

test('a cancel raised in shared memory stops a pass over the data between blocks of samples', () => {
  const flag = createSharedCancelFlag();
  const batched = createBatchedNetwork(mlp, data, { signal: signalFromSharedFlag(flag) })!;
  const v = [new Float64Array(batched.numParams).fill(0.1)];
  assert.equal(batched.hvpMany(v).length, 1);
  raiseSharedCancelFlag(flag);
  assert.throws(() => batched.hvpMany(v), CancelledError);
  assert.throws(() => batched.dotsMany(v), CancelledError);
  batched.dispose();
});

test('two threads (the second half of the rows on a worker) give the bytes of one thread', () => {
  const rng = createRng(5);
  const one = createBatchedNetwork(mlp, data, { threads: 1 })!;
  const two = createBatchedNetwork(mlp, data, { threads: 2 })!;
  try {
    assert.equal(one.threads, 1);
    assert.equal(two.threads, 2);
    const vs = Array.from({ length: 6 }, () => Float64Array.from({ length: one.numParams }, () => normal(rng)));
    assert.deepEqual(two.hvpMany(vs), one.hvpMany(vs));
    assert.deepEqual(two.dotsMany(vs), one.dotsMany(vs));
    // Again: the worker serves request after request.
    assert.deepEqual(two.hvpMany(vs.slice(2, 3)), one.hvpMany(vs.slice(2, 3)));
  } finally {
    one.dispose();
    two.dispose();
  }
});

test('two threads: H·v equals float64 finite differences of the float64 gradient', () => {
  const rng = createRng(6);
  const objective = createFullObjective(mlp, data);
  const theta = objective.flatten();
  objective.dispose();
  const two = createBatchedNetwork(mlp, data, { threads: 2 })!;
  try {
    const l2 = data.n * mlp.config.weightDecay;
    const arch: RefArch = { kind: 'mlp', dims: data.dims, hidden: [6, 4], activation: 'relu', numClasses: 3 };
    const vs = Array.from({ length: 3 }, () => Float64Array.from({ length: two.numParams }, () => normal(rng)));
    two.hvpMany(vs).forEach((hv, b) => {
      const expected = refHvp(arch, theta, vs[b], data, l2);
      // The λv part alone is far from H·v: the curvature part is what is checked.
      assert.ok(
        relativeError(
          vs[b].map((a) => a * l2),
          expected,
        ) > 0.5,
        'test too weak: λv dominates H·v',
      );
      const error = relativeError(hv, expected);
      assert.ok(error < 2e-5, `vector ${b}: relative error ${error.toExponential(2)}`);
    });
  } finally {
    two.dispose();
  }
});

test('two threads: a raised cancel stops the products', () => {
  const flag = createSharedCancelFlag();
  const two = createBatchedNetwork(mlp, data, { threads: 2, signal: signalFromSharedFlag(flag) })!;
  try {
    const v = [new Float64Array(two.numParams).fill(0.1)];
    const before = two.hvpMany(v);
    raiseSharedCancelFlag(flag);
    assert.throws(() => two.hvpMany(v), CancelledError);
    assert.throws(() => two.dotsMany(v), CancelledError);
    assert.equal(before.length, 1);
  } finally {
    two.dispose();
  }
});
