/**
 * The training rows of a dense network split into fixed random shards, each with its own products
 * (rowProducts.ts), for the mini-batch Hessian products of stochastic LiSSA (solvers/sampledLissa.ts): one step
 * costs one shard's pass instead of a pass over every row. Shard s holds rows perm[⌊s·n/S⌋ … ⌊(s+1)·n/S⌋) of a
 * permutation drawn from the seed, so a file sorted by class still gives every shard a mix of classes. Each shard's
 * product includes its rows' share of the regulariser (m_s·weightDecay), so the shards' products add up to the full
 * H·v.
 *
 * With two threads a shard's directions, not its rows, are split: a worker of the pool holds the shard's rows too
 * and computes the second half of the directions while this thread computes the first. A product's cost is about
 * P·B·(c₀ + c₁·rows) for B directions, with c₀ ≈ 150 rows' worth (measured on the digits MLP, 50 directions:
 * 33 ms fixed + 0.22 ms per row), so halving the rows of a small shard would leave most of its cost on each thread;
 * halving the directions halves all of it. A direction's product is the same bytes whichever thread computes it and
 * whatever else is in the call (rowProducts.ts sizes its passes for 64 directions whatever the count).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainedNetwork, TrainingData } from '../models/types';
import type { ProductsTask } from '../parallel/messages';
import { type ProductHelper, startProductHelper } from '../parallel/productHelper';
import { createRng, deriveSeed, permutation } from '../random';
import type { HvpShards } from '../solvers/sampledLissa';
import { createRowProducts, isDenseChain, type RowProducts } from './rowProducts';

export interface NetworkShards extends HvpShards {
  dispose(): void;
}

/** The rows `rows` of `data`, copied in that order. */
function takeRows(data: TrainingData, rows: Int32Array): TrainingData {
  const x = new Float32Array(rows.length * data.dims);
  const y = new Int32Array(rows.length);
  rows.forEach((i, r) => {
    x.set(data.x.subarray(i * data.dims, (i + 1) * data.dims), r * data.dims);
    y[r] = data.y[i];
  });
  return { ...data, x, y, n: rows.length };
}

interface Shard {
  rows: number;
  own: RowProducts;
  helper?: ProductHelper;
}

/** `count` shards of a dense chain's rows (undefined for other bodies, as createBatchedNetwork). */
export function createNetworkShards(
  net: TrainedNetwork,
  data: TrainingData,
  count: number,
  seed: number,
  options: { signal?: AbortSignal; threads?: 1 | 2 } = {},
): NetworkShards | undefined {
  if (!(Number.isInteger(count) && count >= 1 && count <= data.n))
    throw new Error(`shards must be a whole number in 1..${data.n}, got ${count}`);
  if (!isDenseChain(net)) return undefined;
  const { signal } = options;
  const order = permutation(data.n, createRng(deriveSeed(seed, 'lissa shards')));
  const shards: Shard[] = [];
  const dispose = () => {
    for (const shard of shards) {
      shard.own.dispose();
      shard.helper?.dispose();
    }
  };
  try {
    for (let s = 0; s < count; s++) {
      const rows = takeRows(
        data,
        order.subarray(Math.floor((s * data.n) / count), Math.floor(((s + 1) * data.n) / count)),
      );
      const own = createRowProducts(net, rows, 0, rows.n, signal);
      shards.push({ rows: rows.n, own });
      if (options.threads === 2)
        shards[s].helper = startProductHelper(net, rows, 0, rows.n, tf.getBackend() as ProductsTask['backend']);
    }
  } catch (error) {
    dispose();
    throw error;
  }
  const weightDecay = net.config.weightDecay;
  return {
    count,
    share: (s) => shards[s].rows / data.n,
    hvpMany(s, vs) {
      if (vs.length === 0) return [];
      const { rows, own, helper } = shards[s];
      const half = helper && vs.length > 1 ? Math.ceil(vs.length / 2) : vs.length;
      if (half < vs.length) helper?.post('hvp', vs.slice(half));
      const out = own.hvpSum(vs.slice(0, half));
      if (half < vs.length) out.push(...(helper as ProductHelper).collect(signal));
      // The shard's share of the regulariser, in float64 from the float64 vectors (as batchedNetwork.ts).
      const l2 = rows * weightDecay;
      return vs.map((v, k) => {
        const o = out[k];
        for (let q = 0; q < o.length; q++) o[q] += l2 * v[q];
        return o;
      });
    },
    dispose,
  };
}
