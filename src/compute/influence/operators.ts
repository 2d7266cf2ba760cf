/**
 * What an iterative influence method needs from a model, whichever the
 * target parameters: Hessian-vector products, a test sample's gradient, and
 * the dot products g_i·x of every training sample's gradient with a vector.
 * Two implementations: the softmax head (closed form, JS float64) and the
 * whole network (double backprop on the tfjs backend).
 */
import { createFullObjective, type FullObjective } from '../models/train';
import type { TrainedNetwork, TrainingData } from '../models/types';
import {
  type HeadData,
  type HeadShape,
  headHessianVectorProduct,
  headParameterCount,
  perSampleGradients,
} from '../head/softmaxHead';
import { createFastHeadHvp } from '../head/fastHeadObjective';
import type { Hvp } from '../solvers/types';
import { createBatchedNetwork } from './batchedNetwork';
import { createLossJvp } from './lossJvp';
import { createNetworkShards, type NetworkShards } from './shardedNetwork';

export interface InfluenceOperator {
  /** Which parameters the influence is over. */
  target: 'last-layer' | 'full';
  numParams: number;
  /** H·v of the summed objective (regulariser included, no extra damping). */
  hvp: Hvp;
  /** H·v for several vectors in one pass (one pair of matMuls on the head; one pass over the data on a network). */
  hvpMany(vs: readonly Float64Array[]): Float64Array[];
  /** Loss gradient of test sample t over the target parameters. */
  testGradient(t: number): Float64Array;
  /** g_i·x for every training sample i. */
  trainDots(x: Float64Array): Float64Array;
  /** trainDots for several x at once. */
  trainDotsMany(xs: readonly Float64Array[]): Float64Array[];
  /** Threads computing the products (the whole network's may use a second core, influence/batchedNetwork.ts). */
  threads: number;
  /**
   * The training rows in `count` seeded random shards whose products add up to hvpMany's, for stochastic LiSSA
   * (shardedNetwork.ts); absent when the products cannot be split by rows (the head, the CNN).
   */
  shards?(count: number, seed: number): NetworkShards | undefined;
  /** Parameter blocks (name, offset, size, shape) — for choosing neuron subsets. */
  layout: readonly { name: string; offset: number; size: number; shape: number[] }[];
  dispose(): void;
}

/** Multiply-adds per HVP below which the float64 JS HVP is used (a few ms). */
const FLOAT64_HVP_LIMIT = 2_000_000;

export function headOperator(
  train: HeadData,
  test: HeadData,
  shape: HeadShape,
  trainProbs: Float64Array,
  testProbs: Float64Array,
  l2: number,
): InfluenceOperator {
  const p = headParameterCount(shape);
  const { featureDim: f, numClasses: c } = shape;
  const row = new Float32Array(p);
  // Small problems keep the float64 HVP (solvers can then converge to ~1e-12);
  // large ones use float32 products on the backend, ~50× faster, good to ~1e-6.
  const small = train.n * (f + 1) * c <= FLOAT64_HVP_LIMIT;
  // Built on first use: exact influence needs only gradients and dot products.
  let fast: ReturnType<typeof createFastHeadHvp> | undefined;
  const fastHead = () => (fast ??= createFastHeadHvp(train, shape, trainProbs, l2));
  const exactHvp = (v: Float64Array) => headHessianVectorProduct(train, shape, trainProbs, l2, v);
  return {
    target: 'last-layer',
    numParams: p,
    threads: 1,
    hvp: small ? exactHvp : (v) => fastHead().hvp(v),
    hvpMany: (vs) => (small ? vs.map(exactHvp) : fastHead().hvpMany(vs)),
    trainDotsMany(xs) {
      // Small heads keep float64 dot products; large ones one float32 matMul for all x.
      return small ? xs.map((x) => this.trainDots(x)) : fastHead().dotsMany(xs);
    },
    testGradient(t) {
      perSampleGradients(test, shape, testProbs, t, t + 1, row);
      return Float64Array.from(row);
    },
    trainDots(x) {
      // g_i·x = Σ_c r_ic (φ̃_i · X[:, c]) with r_i = p_i − onehot(y_i).
      const out = new Float64Array(train.n);
      const u = new Float64Array(c);
      for (let i = 0; i < train.n; i++) {
        for (let k = 0; k < c; k++) u[k] = x[f * c + k];
        for (let j = 0; j < f; j++) {
          const v = train.phi[i * f + j];
          if (v === 0) continue;
          for (let k = 0; k < c; k++) u[k] += v * x[j * c + k];
        }
        let s = 0;
        for (let k = 0; k < c; k++) s += (trainProbs[i * c + k] - (k === train.y[i] ? 1 : 0)) * u[k];
        out[i] = s;
      }
      return out;
    },
    layout: [
      { name: 'head.kernel', offset: 0, size: f * c, shape: [f, c] },
      { name: 'head.bias', offset: f * c, size: c, shape: [c] },
    ],
    dispose() {
      fast?.dispose();
    },
  };
}

export function fullNetworkOperator(
  net: TrainedNetwork,
  train: TrainingData,
  test: TrainingData,
  signal?: AbortSignal,
  threads?: 1 | 2,
): InfluenceOperator {
  const objective: FullObjective = createFullObjective(net, train);
  const jvp = createLossJvp(net, train);
  // A dense chain (MLP, logistic regression): many products per pass; otherwise (the CNN) one at a time.
  const batched = createBatchedNetwork(net, train, { signal, threads });
  const hvp = batched
    ? (v: Float64Array) => batched.hvpMany([v])[0]
    : (v: Float64Array) => Float64Array.from(objective.hvp(Float32Array.from(v)));
  const trainDots = batched
    ? (x: Float64Array) => batched.dotsMany([x])[0]
    : (x: Float64Array) => jvp.along(Float32Array.from(x));
  return {
    target: 'full',
    numParams: objective.numParams,
    threads: batched?.threads ?? 1,
    hvp,
    hvpMany: (vs) => (batched ? batched.hvpMany(vs) : vs.map(hvp)),
    trainDotsMany: (xs) => (batched ? batched.dotsMany(xs) : xs.map(trainDots)),
    testGradient(t) {
      const x = test.x.subarray(t * test.dims, (t + 1) * test.dims);
      return Float64Array.from(objective.perSampleGradient({ x, label: test.y[t] }));
    },
    trainDots,
    shards: (count, seed) => (batched ? createNetworkShards(net, train, count, seed, signal) : undefined),
    layout: objective.layout,
    dispose() {
      objective.dispose();
      jvp.dispose();
      batched?.dispose();
    },
  };
}
