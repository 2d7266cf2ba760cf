/**
 * Hessian-vector products and per-sample directional derivatives of a dense
 * ReLU network for MANY vectors at once (issue 18 item 3), on both cores:
 * the training rows are split in two fixed halves, each half's products
 * (influence/rowProducts.ts, Pearlmutter's R-operator written out) come from
 * one thread, this one or a worker of the pool (parallel/productHelper.ts),
 * and H·v = Σ_first half + Σ_second half + λ·v, added in that order whoever
 * computed them: one thread or two give the same bytes.
 *
 * Only a chain of dense layers is written out (the product's MLP and logistic
 * regression); for other bodies (the CNN) `createBatchedNetwork` returns
 * undefined and the caller loops over single-vector products.
 * Checked against the double-backprop HVP and float64 finite differences in
 * test/unit/influence/batchedNetwork.test.ts.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainedNetwork, TrainingData } from '../models/types';
import type { ProductsTask } from '../parallel/messages';
import { type ProductHelper, startProductHelper } from '../parallel/productHelper';
import { createRowProducts, isDenseChain, type RowProducts } from './rowProducts';

export interface BatchedNetwork {
  readonly numParams: number;
  /** H·v_b of the summed objective (the λ term included) for every v_b. */
  hvpMany(vs: readonly Float64Array[]): Float64Array[];
  /** (∇L_i · x_b) for every training sample i, one array per x_b. */
  dotsMany(xs: readonly Float64Array[]): Float64Array[];
  /** Threads computing the products (1 or 2). */
  readonly threads: number;
  dispose(): void;
}

export interface BatchedNetworkOptions {
  signal?: AbortSignal;
  /**
   * 1: every product in this thread; 2: the second half of the rows in a worker thread. Default: 2 when the machine
   * has a second core and one product is worth a message (PARALLEL_MIN_WORK), else 1.
   */
  threads?: 1 | 2;
}

/**
 * Parameters × rows below which one product stays in this thread: a product costs ~25 flops per parameter and row
 * (the digits MLP, 9,610 × 1,438: ~0.35 ms per vector), a round trip to the worker ~1 ms and its start ~0.3 s.
 */
const PARALLEL_MIN_WORK = 4_000_000;

function defaultThreads(numParams: number, n: number): 1 | 2 {
  return availableParallelism() > 1 && numParams * n >= PARALLEL_MIN_WORK ? 2 : 1;
}

export function createBatchedNetwork(
  net: TrainedNetwork,
  data: TrainingData,
  options: BatchedNetworkOptions = {},
): BatchedNetwork | undefined {
  if (!isDenseChain(net)) return undefined;
  const { signal } = options;
  const half = Math.ceil(data.n / 2);
  const first: RowProducts = createRowProducts(net, data, 0, half, signal);
  const numParams = first.numParams;
  const threads = options.threads ?? defaultThreads(numParams, data.n);
  let second: RowProducts | undefined;
  let helper: ProductHelper | undefined;
  try {
    if (threads === 2) helper = startProductHelper(net, data, half, data.n, tf.getBackend() as ProductsTask['backend']);
    else second = createRowProducts(net, data, half, data.n, signal);
  } catch (error) {
    first.dispose();
    throw error;
  }
  const l2 = data.n * net.config.weightDecay;

  /** Both halves' answers, the second from the worker while this thread computes the first. */
  function bothHalves(kind: 'hvp' | 'dots', vs: readonly Float64Array[]): [Float64Array[], Float64Array[]] {
    const own = (products: RowProducts) => (kind === 'hvp' ? products.hvpSum(vs) : products.dots(vs));
    if (!helper) return [own(first), own(second as RowProducts)];
    helper.post(kind, vs);
    const mine = own(first);
    return [mine, helper.collect(signal)];
  }

  return {
    numParams,
    threads,
    hvpMany(vs) {
      if (vs.length === 0) return [];
      const [a, b] = bothHalves('hvp', vs);
      // A fixed order (first half, second half, then the λ term in float64 from the float64 vectors).
      return vs.map((v, k) => {
        const out = a[k];
        const other = b[k];
        for (let q = 0; q < numParams; q++) out[q] = out[q] + other[q] + l2 * v[q];
        return out;
      });
    },
    dotsMany(xs) {
      if (xs.length === 0) return [];
      const [a, b] = bothHalves('dots', xs);
      return xs.map((_, k) => {
        const out = new Float64Array(data.n);
        out.set(a[k]);
        out.set(b[k], half);
        return out;
      });
    },
    dispose() {
      first.dispose();
      second?.dispose();
      helper?.dispose();
    },
  };
}
