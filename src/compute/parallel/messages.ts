/**
 * Messages between the engine and its worker threads. Each worker runs its
 * own tfjs instance (tfjs wasm is single-threaded under Node), so training
 * several models at once, or computing a product over half the training rows
 * while this thread does the other half, is how the engine uses more than one
 * core.
 * Both ends check every message with the same checkers as src/protocol (the
 * types derive from them); a message that fails is an internal error naming
 * the field, never a task that silently never finishes.
 */
import {
  arrayOf,
  type Check,
  type Checked,
  num,
  object,
  optional,
  ProtocolError,
  rule,
  str,
  union,
  nonNegInt,
  int,
  oneOf,
  anyOf,
  bool,
} from '../../protocol/check';
import { TRAINED_MODEL_KINDS } from '../../protocol/options';
import { MessagePort } from 'node:worker_threads';
import type { Checkpoint, ModelConfig, NamedArray, TrainedNetwork, TrainingData } from '../models/types';

/** Typed arrays cross a worker boundary by structured clone (or shared memory) and arrive as themselves. */
const float32 = rule('a Float32Array', (v): v is Float32Array => v instanceof Float32Array);
const float64 = rule('a Float64Array', (v): v is Float64Array => v instanceof Float64Array);
const int32 = rule('an Int32Array', (v): v is Int32Array => v instanceof Int32Array);
const imageShape = rule(
  '[height, width, channels]',
  (v): v is [number, number, number] =>
    Array.isArray(v) && v.length === 3 && v.every((d) => Number.isSafeInteger(d) && d > 0),
);
const widths = arrayOf(nonNegInt, 64);
const messagePort = rule('a MessagePort', (v): v is MessagePort => v instanceof MessagePort);
const sharedInt32 = rule(
  'an Int32Array in shared memory',
  (v): v is Int32Array => v instanceof Int32Array && v.buffer instanceof SharedArrayBuffer,
);
const sharedFloat64 = rule(
  'a Float64Array in shared memory',
  (v): v is Float64Array => v instanceof Float64Array && v.buffer instanceof SharedArrayBuffer,
);
const sharedFloat32 = rule(
  'a Float32Array in shared memory',
  (v): v is Float32Array => v instanceof Float32Array && v.buffer instanceof SharedArrayBuffer,
);
const backendName = optional(oneOf(['tensorflow', 'wasm', 'cpu'] as const));

const modelConfig: Check<ModelConfig> = object({
  kind: oneOf(TRAINED_MODEL_KINDS),
  hidden: widths,
  convChannels: widths,
  weightDecay: num,
  epochs: nonNegInt,
  batchSize: nonNegInt,
  learningRate: num,
  seed: int,
});

const namedArray: Check<NamedArray> = object({ name: str, shape: arrayOf(nonNegInt, 8), data: float32 });

const checkpoint: Check<Checkpoint> = object({
  epoch: nonNegInt,
  learningRate: num,
  body: arrayOf(namedArray),
  head: float64,
});

const trainedNetwork: Check<TrainedNetwork> = object({
  config: modelConfig,
  dims: nonNegInt,
  numClasses: nonNegInt,
  imageShape: optional(imageShape),
  body: arrayOf(namedArray),
  featureDim: nonNegInt,
  head: float64,
  checkpoints: optional(arrayOf(checkpoint)),
  headFit: optional(object({ n: nonNegInt, l2: num, meanGradNorm: num, digest: str })),
});

const trainingData: Check<TrainingData> = object({
  x: float32,
  y: int32,
  n: nonNegInt,
  dims: nonNegInt,
  numClasses: nonNegInt,
  imageShape: optional(imageShape),
});

/** Train one network; optionally return its probabilities on held-out samples. */
const trainTask = object({
  taskId: nonNegInt,
  config: modelConfig,
  data: trainingData,
  /**
   * Train on these rows of `data` only (all rows when absent). With `data.x`
   * in a SharedArrayBuffer, every task then refers to the one copy of the
   * features instead of carrying its own: at 100,000 × 784 each copy is
   * 300 MB, and the k fold tasks used to hold k of them at once.
   */
  rows: optional(int32),
  /** Rows of `data` to predict with the trained network (e.g. a held-out fold). */
  evalRows: optional(int32),
  /** Or: row-major samples to predict, passed by value. */
  evalX: optional(float32),
  evalN: optional(nonNegInt),
  backend: backendName,
  /** Keep per-epoch checkpoints in the returned network (TracIn). */
  checkpoints: optional(rule('true or false', (v): v is boolean => typeof v === 'boolean')),
  /**
   * The head stage will polish this model's head in float64 (exact influence, pipeline/headStage.ts): a logistic
   * regression fitted by Newton–CG then stops at the head stage's own tolerance for such a head (1e-6), not 1e-7.
   */
  headPolished: optional(bool),
  /**
   * Instead of training from scratch: retrain `start` over every parameter
   * without the `removed` training samples (retrainFullNetwork), for the
   * reliability check's whole-network retrainings, which are independent and
   * take seconds to minutes each.
   */
  retrain: optional(object({ start: trainedNetwork, l2: num, removed: arrayOf(nonNegInt) })),
});

export const checkWorkerRequest = union({
  train: trainTask,
  /**
   * Train each `tasks[i]` for the i this worker takes from the counter `claims[0]` (Atomics.add), until the counter
   * passes the last task or a task fails: the engine's thread takes from the same counter (trainBeside.ts), so each
   * task is trained once, by whichever thread is free. Answered task by task, as `train` is.
   */
  trainClaims: object({ tasks: arrayOf(union({ train: trainTask })), claims: sharedInt32 }),
  /**
   * Serve Hessian-vector products and directional derivatives over rows [start, end) of `data` (a dense chain,
   * influence/rowProducts.ts) until terminated: requests and replies go over `port` (productRequest, productReply),
   * and after each reply the worker adds 1 to `flag[0]` and wakes the engine, which waits for it synchronously
   * (its solvers are synchronous loops, parallel/productHelper.ts).
   */
  products: object({
    taskId: nonNegInt,
    net: trainedNetwork,
    data: trainingData,
    start: nonNegInt,
    end: nonNegInt,
    backend: backendName,
    port: messagePort,
    flag: sharedInt32,
  }),
  /** Serve dense float32 matrix products (matrixRequest, matrixReply) the same way (parallel/matrixHelper.ts). */
  matrices: object({ taskId: nonNegInt, backend: backendName, port: messagePort, flag: sharedInt32 }),
});
export type WorkerRequest = Checked<typeof checkWorkerRequest>;
export type TrainTask = Extract<WorkerRequest, { type: 'train' }>;
export type TrainClaimsTask = Extract<WorkerRequest, { type: 'trainClaims' }>;
export type ProductsTask = Extract<WorkerRequest, { type: 'products' }>;
export type MatricesTask = Extract<WorkerRequest, { type: 'matrices' }>;

/** A matrix operand: one kept in the worker by name, or rows × cols row-major values. */
const operand = anyOf(str, object({ data: float32, rows: nonNegInt, cols: nonNegInt }));

/** A softmax head's rows: features, labels and probabilities at θ̂ (exact influence's requests). */
const headRows = object({
  phi: float32,
  y: int32,
  probs: float64,
  n: nonNegInt,
  featureDim: nonNegInt,
  numClasses: nonNegInt,
});

/** A request to a matrices worker (linalg/productJobs.ts says what each computes). */
export const checkMatrixRequest = union({
  /** Keep a rows × cols matrix under `name`. */
  put: object({ id: nonNegInt, name: str, data: float32, rows: nonNegInt, cols: nonNegInt }),
  /** Keep X ↦ M·X for a p × p lower-triangular M, packed by rows (triangularProduct.ts), under `name`. */
  putLower: object({ id: nonNegInt, name: str, data: float32, p: nonNegInt }),
  /**
   * Keep X ↦ L⁻¹X for the p × p lower-triangular `factor` (row-major, in shared memory: read in place), by the blocked
   * solve (linalg/triangularSolve.ts), under `name`.
   */
  putSolve: object({ id: nonNegInt, name: str, factor: sharedFloat64, p: nonNegInt }),
  drop: object({ id: nonNegInt, names: arrayOf(str) }),
  /** A·diag(scale)·B for each job, in order. */
  products: object({
    id: nonNegInt,
    jobs: arrayOf(object({ a: operand, b: operand, scale: optional(float32) })),
  }),
  /**
   * A mixed factor's check, linalg/factorChecks.ts's packedFactorDeviation(packed, diagonal, n, steps), the n × n
   * `packed` in shared memory (linalg/fastFactor.ts's DeviationRunner); the reply's f64[0] holds η.
   */
  deviation: object({ id: nonNegInt, packed: sharedFloat64, diagonal: float64, n: nonNegInt, steps: nonNegInt }),
  /**
   * Chunks of one step of the mixed Cholesky's trailing update (linalg/blockedCholesky.ts's updateTrailingChunks),
   * subtracted by the worker from `a` in shared memory: (c0, cw) pairs in `chunks`, of which it takes those it claims
   * from the counter `claims` (shared with the engine, which takes the others), L21 in `l21`, the transposed
   * operands written into `l21T`. Nothing in the reply.
   */
  trailingUpdate: object({
    id: nonNegInt,
    a: sharedFloat64,
    n: nonNegInt,
    r0: nonNegInt,
    kb: nonNegInt,
    l21: sharedFloat32,
    l21T: sharedFloat32,
    chunks: int32,
    claims: sharedInt32,
  }),
  /**
   * H·v over a block of the softmax head's training rows without the L2 term (head/softmaxHead.ts's
   * headHessianVectorProduct); the rows are kept under `name` when sent, for the next requests. f64[0] holds H·v.
   */
  headProduct: object({
    id: nonNegInt,
    name: str,
    rows: optional(headRows),
    v: float64,
  }),
  /**
   * Part of an exact k-NN search of n × d points among themselves (issues/splitSearch.ts): exactSearch.ts's
   * searchSelf over the row blocks the worker takes from the counter `claims` (shared with the engine, which takes
   * the others); the reply's i32[0] and f64[0] are every point's k-list of that part, i32[1] the blocks it took.
   */
  nearestSelf: object({ id: nonNegInt, x: float32, n: nonNegInt, d: nonNegInt, k: nonNegInt, claims: sharedInt32 }),
  /**
   * Part of an exact k-NN search of queries among references (issues/splitSearch.ts): exactSearch.ts's searchExact
   * over the query blocks the worker takes from `claims`; the reply's i32[0] and f64[0] are every query's k-list
   * (filled for those blocks), i32[1] the blocks it took.
   */
  nearestExact: object({
    id: nonNegInt,
    queries: object({ x: float32, n: nonNegInt, d: nonNegInt }),
    queryIds: int32,
    refs: object({ x: float32, n: nonNegInt, d: nonNegInt }),
    refIds: int32,
    k: nonNegInt,
    skipSelf: bool,
    claims: sharedInt32,
  }),
  /**
   * The softmax head's Hessian in shared memory: head/hessianClassRows.ts's formClassRows over the items the worker
   * takes from `claims` (shared with the engine, which takes the others), its products over matrices kept by name.
   */
  hessianRows: object({
    id: nonNegInt,
    hessian: sharedFloat64,
    probs: sharedFloat64,
    ranges: arrayOf(nonNegInt),
    phiT: arrayOf(str),
    phi: arrayOf(str),
    featureDim: nonNegInt,
    numClasses: nonNegInt,
    contrasts: optional(bool),
    claims: sharedInt32,
  }),
  /**
   * Exact influence's whitened test gradients (influence/whitenedTest.ts's whitenedTestPart) for the blocks of test
   * rows [starts[b], starts[b + 1]) of `rows` the worker takes from `claims`, with L⁻¹ kept under `whitening`; the
   * reply's f32[0] is W_test (n × P, the rows of its blocks filled), its i32[0] the blocks it took.
   */
  whitenedTest: object({ id: nonNegInt, whitening: str, rows: headRows, starts: int32, claims: sharedInt32 }),
  /**
   * Exact influence's blocks of training rows that the worker takes from `claims` (influence/influenceBlocks.ts's
   * influencePart), rows [starts[b], starts[b + 1]) of `rows`; the reply's f64 holds the self-influence (n entries,
   * those of its blocks filled) and the top-k values (proponents, opponents), its i32 the top-k indices (proponents,
   * opponents), the lists' counts (same order) and the blocks it took.
   */
  influence: object({
    id: nonNegInt,
    whitening: str,
    test: optional(str),
    rows: headRows,
    starts: int32,
    k: nonNegInt,
    claims: sharedInt32,
  }),
});
export type MatrixRequest = Checked<typeof checkMatrixRequest>;
export type MatrixOperand = Checked<typeof operand>;

/** The answer to request `id` (-1: the worker could not start serving). */
export const checkMatrixReply = union({
  values: object({ id: nonNegInt, f32: arrayOf(float32), f64: arrayOf(float64), i32: optional(arrayOf(int32)) }),
  failed: object({ id: int, name: str, message: str, stack: optional(str) }),
});
export type MatrixReply = Checked<typeof checkMatrixReply>;

/** One product over a products worker's rows: H·v summed over them, or ∇ℓ_i·x for each of them. */
export const checkProductRequest = object({
  id: nonNegInt,
  kind: oneOf(['hvp', 'dots'] as const),
  vs: arrayOf(float64),
});
export type ProductRequest = Checked<typeof checkProductRequest>;

/** The answer to request `id` (-1: the worker could not even start serving, so whatever was asked failed). */
export const checkProductReply = union({
  values: object({ id: nonNegInt, values: arrayOf(float64) }),
  failed: object({ id: int, name: str, message: str, stack: optional(str) }),
});
export type ProductReply = Checked<typeof checkProductReply>;

export const checkWorkerResponse = union({
  trained: object({ taskId: nonNegInt, net: trainedNetwork, evalProbs: optional(float32), backend: str, seconds: num }),
  progress: object({ taskId: nonNegInt, progress: object({ epoch: nonNegInt, epochs: nonNegInt, loss: num }) }),
  failed: object({ taskId: int, name: str, message: str, stack: optional(str) }),
});
export type WorkerResponse = Checked<typeof checkWorkerResponse>;
export type TrainDone = Extract<WorkerResponse, { type: 'trained' }>;

/** A worker's message, checked: a malformed one is an internal error (our own code sent it) that names the field. */
export function readWorkerResponse(message: unknown): WorkerResponse {
  try {
    return checkWorkerResponse(message, 'worker message');
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    throw new Error(`internal error: a training thread sent a malformed message (${error.message})`, { cause: error });
  }
}

/** The pool's request, checked in the worker; a malformed one is answered with `failed` naming the field. */
export function readWorkerRequest(message: unknown): WorkerRequest | { failed: WorkerResponse } {
  try {
    return checkWorkerRequest(message, 'task');
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    const id: unknown = typeof message === 'object' && message !== null && 'taskId' in message ? message.taskId : -1;
    const taskId = Number.isSafeInteger(id) ? (id as number) : -1;
    return {
      failed: {
        type: 'failed',
        taskId,
        name: 'Error',
        message: `internal error: a training thread got a malformed task (${error.message})`,
      },
    };
  }
}
