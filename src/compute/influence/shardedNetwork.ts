/**
 * The training rows of a dense network split into fixed random shards, each with its own products
 * (rowProducts.ts), for the mini-batch Hessian products of stochastic LiSSA (solvers/sampledLissa.ts): one step
 * costs one shard's pass instead of a pass over every row. Shard s holds rows perm[⌊s·n/S⌋ … ⌊(s+1)·n/S⌋) of a
 * permutation drawn from the seed, so a file sorted by class still gives every shard a mix of classes. Each shard's
 * product includes its rows' share of the regulariser (m_s·weightDecay), so the shards' products add up to the full
 * H·v.
 *
 * All on this thread: a worker per shard (its directions or rows split off) was measured slower on the digits MLP
 * (50 solves, depth 1,000: 196 s wall, 105 CPU s and 969 MB against 124 s, 76 CPU s and 354 MB on one thread,
 * load 7–9): each worker's start costs ≈ 1.5 CPU s (8 of them: 17 s before the first round), and a shard's product
 * has a fixed cost per direction (≈ 150 rows' worth) that splitting its rows does not share.
 */
import type { TrainedNetwork, TrainingData } from '../models/types';
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

/** `count` shards of a dense chain's rows (undefined for other bodies, as createBatchedNetwork). */
export function createNetworkShards(
  net: TrainedNetwork,
  data: TrainingData,
  count: number,
  seed: number,
  signal?: AbortSignal,
): NetworkShards | undefined {
  if (!(Number.isInteger(count) && count >= 1 && count <= data.n))
    throw new Error(`shards must be a whole number in 1..${data.n}, got ${count}`);
  if (!isDenseChain(net)) return undefined;
  const order = permutation(data.n, createRng(deriveSeed(seed, 'lissa shards')));
  const shards: { rows: number; products: RowProducts }[] = [];
  const dispose = () => {
    for (const shard of shards) shard.products.dispose();
  };
  try {
    for (let s = 0; s < count; s++) {
      const rows = takeRows(
        data,
        order.subarray(Math.floor((s * data.n) / count), Math.floor(((s + 1) * data.n) / count)),
      );
      shards.push({ rows: rows.n, products: createRowProducts(net, rows, 0, rows.n, signal) });
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
      const { rows, products } = shards[s];
      const out = products.hvpSum(vs);
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
