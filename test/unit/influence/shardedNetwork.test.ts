/**
 * The rows of a dense network in seeded random shards (influence/shardedNetwork.ts), the mini-batch products of
 * stochastic LiSSA: the shards' H·v add up to the full batched product (itself checked against double backprop and
 * float64 finite differences in batchedNetwork.test.ts; float32 sums in another order: 1e-5 of the scale); their
 * shares add up to 1; shard s's product is the product over rows perm[⌊s·n/S⌋ … ⌊(s+1)·n/S⌋) of the seed's permutation
 * (a network built by hand on those rows), and every shard of a file sorted by class holds every class; a direction's
 * product is the same bytes alone or in a call with others; another seed deals other rows.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createBatchedNetwork } from '../../../src/compute/influence/batchedNetwork';
import { createNetworkShards } from '../../../src/compute/influence/shardedNetwork';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import { trainNetwork } from '../../../src/compute/models/train';
import type { TrainedNetwork, TrainingData } from '../../../src/compute/models/types';
import { createRng, deriveSeed, normal, permutation } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

let data: TrainingData;
let mlp: TrainedNetwork;

before(async () => {
  await initBackend('wasm');
  const rng = createRng(23);
  const n = 61;
  const dims = 4;
  data = {
    x: Float32Array.from({ length: n * dims }, () => normal(rng)),
    // Sorted by class, as some files are: the shards must still mix them.
    y: Int32Array.from({ length: n }, (_, i) => Math.floor((3 * i) / n)),
    n,
    dims,
    numClasses: 3,
  };
  mlp = await trainNetwork(
    { ...defaultModelConfig('mlp'), hidden: [5], weightDecay: 0.02, epochs: 3, batchSize: 8 },
    data,
  );
});

const vectors = (count: number, size: number, seed: number) => {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Float64Array.from({ length: size }, () => normal(rng)));
};

test('the shards add up to the full product, each row in exactly one shard', () => {
  const full = createBatchedNetwork(mlp, data, { threads: 1 })!;
  const shards = createNetworkShards(mlp, data, 4, 7)!;
  try {
    const vs = vectors(3, full.numParams, 1);
    const expected = full.hvpMany(vs);
    const sum = vs.map(() => new Float64Array(full.numParams));
    let shares = 0;
    for (let s = 0; s < shards.count; s++) {
      shares += shards.share(s);
      shards.hvpMany(s, vs).forEach((p, k) => p.forEach((value, q) => (sum[k][q] += value)));
    }
    assert.ok(Math.abs(shares - 1) < 1e-15);
    vs.forEach((_, k) => {
      const scale = Math.max(...expected[k].map(Math.abs));
      expected[k].forEach((value, q) => assert.ok(Math.abs(sum[k][q] - value) <= 1e-5 * scale, `vector ${k}, ${q}`));
    });
  } finally {
    full.dispose();
    shards.dispose();
  }
});

test("a shard's product is its rows', a direction's the same alone or with others; another seed, other rows", () => {
  const one = createNetworkShards(mlp, data, 3, 7)!;
  const other = createNetworkShards(mlp, data, 3, 8)!;
  try {
    const vs = vectors(5, 5 * 4 + 5 + 5 * 3 + 3, 2);
    // One direction alone: the same bytes as in a call with five (a column's solve does not depend on its batch).
    for (let s = 0; s < 3; s++) assert.deepEqual(one.hvpMany(s, vs.slice(1, 2))[0], one.hvpMany(s, vs)[1]);
    // Which rows: shard s holds rows perm[⌊s·n/3⌋ … ⌊(s+1)·n/3⌋) of the seed's permutation (as documented).
    const single = vs.slice(0, 1);
    const perm = permutation(data.n, createRng(deriveSeed(7, 'lissa shards')));
    for (let s = 0; s < 3; s++) {
      const rows = perm.subarray(Math.floor((s * data.n) / 3), Math.floor(((s + 1) * data.n) / 3));
      assert.equal(one.share(s), rows.length / data.n);
      const part: TrainingData = {
        ...data,
        x: Float32Array.from(Array.from(rows).flatMap((i) => Array.from(data.x.subarray(i * 4, i * 4 + 4)))),
        y: Int32Array.from(rows, (i) => data.y[i]),
        n: rows.length,
      };
      const byHand = createBatchedNetwork(mlp, part, { threads: 1 })!;
      const expected = byHand.hvpMany(single)[0];
      byHand.dispose();
      const got = one.hvpMany(s, single)[0];
      const scale = Math.max(...expected.map(Math.abs));
      expected.forEach((value, q) => assert.ok(Math.abs(got[q] - value) <= 1e-5 * scale, `shard ${s}, ${q}`));
      assert.equal(new Set(part.y).size, 3, 'a shard of a file sorted by class holds every class');
    }
    assert.notDeepEqual(other.hvpMany(0, single), one.hvpMany(0, single));
  } finally {
    one.dispose();
    other.dispose();
  }
});
