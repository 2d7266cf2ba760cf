/**
 * Dense float32 products on both cores: a worker thread (syncWorker.ts, its side serveMatrices.ts) keeps named
 * matrices and computes jobs (linalg/productJobs.ts) while this thread computes others. Every job is computed
 * whole by one thread with the same code, so results are the same bytes whether one thread or two ran them: the
 * callers fix the jobs (their split) independently of the thread count.
 *
 * The worker costs ~0.3 s to start (it loads the engine and its tfjs backend), so one is kept between uses for a
 * few seconds (the head's Hessian, its factor, the inverse and the influence scan follow each other); an idle one
 * is then stopped, freeing its wasm heap.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../cancel';
import type { TrailingPart, TrailingRunner } from '../linalg/blockedCholesky';
import { type DeviationRunner, fastMatMulAvailable } from '../linalg/fastFactor';
import {
  type FirstHere,
  type MatrixOperand,
  MatrixStore,
  type ProductJob,
  type ProductRunner,
} from '../linalg/productJobs';
import { LowerSolve } from '../linalg/triangularSolve';
import { checkMatrixReply, type MatricesTask, type MatrixRequest } from './messages';
import { inSharedMemory } from '../sharedMemory';
import { errorFromReply, SyncWorker } from './syncWorker';

/** Multiply-adds below which a kernel stays on one thread (the worker's start and the copies would not pay). */
export const PARALLEL_MIN_MACS = 2e9;
/** How long an idle worker is kept for the next kernel. */
const IDLE_MS = 5000;

type Request = MatrixRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

class MatrixHelper {
  private readonly worker: SyncWorker;
  private nextId = 0;
  /** Set when a request was abandoned (a cancel): the worker may still be busy with it, so it is not reused. */
  broken = false;

  constructor() {
    this.worker = new SyncWorker((port, flag): MatricesTask => ({
      type: 'matrices',
      taskId: 0,
      backend: tf.getBackend() as MatricesTask['backend'],
      port,
      flag,
    }));
  }

  get usable(): boolean {
    return !this.broken && this.worker.alive;
  }

  /** Posts a request; returns its id for collect. Requests are answered in order. */
  post(request: Request, transfer: ArrayBuffer[] = []): number {
    const id = this.nextId++;
    this.worker.send({ ...request, id }, transfer);
    return id;
  }

  /** Blocks until request `id` is answered; a failure of it or of an earlier request throws. */
  collect(id: number, signal?: AbortSignal): { f32: Float32Array[]; f64: Float64Array[]; i32?: Int32Array[] } {
    try {
      return this.worker.receive((raw) => {
        const reply = checkMatrixReply(raw, 'matrix reply');
        if (reply.type === 'failed' && reply.id <= id) throw errorFromReply(reply);
        return reply.type === 'values' && reply.id === id ? reply : undefined;
      }, signal);
    } catch (error) {
      this.broken = true;
      throw error;
    }
  }

  dispose(): void {
    this.worker.dispose();
  }
}

let idle: { helper: MatrixHelper; timer: NodeJS.Timeout } | undefined;

function acquire(): MatrixHelper {
  if (idle) {
    const { helper, timer } = idle;
    idle = undefined;
    clearTimeout(timer);
    if (helper.usable) return helper;
    helper.dispose();
  }
  return new MatrixHelper();
}

function release(helper: MatrixHelper): void {
  if (!helper.usable) return helper.dispose();
  if (idle) idle.helper.dispose();
  const timer = setTimeout(() => {
    if (idle?.helper === helper) idle = undefined;
    helper.dispose();
  }, IDLE_MS);
  timer.unref();
  idle = { helper, timer };
}

/** 2 when a kernel of `macs` multiply-adds should use both cores (and a fast backend runs its products). */
export function defaultThreads(macs: number): 1 | 2 {
  return availableParallelism() > 1 && fastMatMulAvailable() && macs >= PARALLEL_MIN_MACS ? 2 : 1;
}

let instances = 0;

/**
 * One kernel's matrices and products, on this thread and (with 2 threads) the helper. Names are the caller's;
 * they are kept apart from other kernels' by a prefix. dispose() frees them on both sides.
 */
export class SplitProducts implements ProductRunner, DeviationRunner, TrailingRunner {
  readonly local = new MatrixStore();
  private readonly helper: MatrixHelper | undefined;
  private readonly prefix = `k${instances++}:`;
  private readonly names = new Set<string>();

  constructor(readonly threads: 1 | 2) {
    this.helper = threads === 2 ? acquire() : undefined;
  }

  get parallel(): boolean {
    return this.helper !== undefined;
  }

  /** Keeps a matrix on both sides. `data` is moved to the helper, not copied: the caller must not use it afterwards. */
  put(name: string, data: Float32Array, rows: number, cols: number): void {
    this.local.put(this.prefix + name, data, rows, cols);
    this.names.add(name);
    this.helper?.post({ type: 'put', name: this.prefix + name, data, rows, cols }, [data.buffer as ArrayBuffer]);
  }

  /**
   * Keeps X ↦ M·X on both sides for the p × p lower-triangular M packed by rows. `m` is moved to the helper, not
   * copied (at P = 7850 a copy is 123 MB more at the stage's peak): the caller must not use it afterwards.
   */
  putLower(name: string, m: Float32Array, p: number): void {
    this.local.putLower(this.prefix + name, m, p);
    this.names.add(name);
    this.helper?.post({ type: 'putLower', name: this.prefix + name, data: m, p }, [m.buffer as ArrayBuffer]);
  }

  /**
   * Keeps X ↦ L⁻¹X on both sides for the p × p lower-triangular `factor` (row-major), each side forming its solve's
   * pieces from L at the same time (linalg/triangularSolve.ts). The helper reads L in shared memory: a factor outside
   * it is copied there first. The caller must not change `factor` until the helper's next request is answered.
   */
  putSolve(name: string, factor: Float64Array, p: number, signal?: AbortSignal): void {
    this.names.add(name);
    if (this.helper) {
      const shared = inSharedMemory(factor);
      this.helper.post({ type: 'putSolve', name: this.prefix + name, factor: shared, p });
    }
    this.local.putOperator(this.prefix + name, new LowerSolve(factor, p, undefined, signal));
  }

  /** A name as the stores know it, for a job's operand. */
  ref(name: string): string {
    return this.prefix + name;
  }

  /**
   * Runs the jobs, those the balance gives the helper there (in one request) and the rest here, in order;
   * `costs[j]` is job j's relative cost. Returns the results in job order.
   */
  run(jobs: readonly ProductJob[], costs: readonly number[], signal?: AbortSignal): Float32Array[] {
    const results = new Array<Float32Array>(jobs.length);
    const keep = (j: number, r: Float32Array) => (results[j] = r);
    this.share(jobs, costs, (job, j) => keep(j, this.local.product(job)), keep, signal);
    return results;
  }

  /** run() handing each result to `use` as it is ready (productJobs.ts ProductRunner.each): this thread's first. */
  each(
    jobs: readonly ProductJob[],
    costs: readonly number[],
    use: (j: number, values: Float32Array) => void,
    signal?: AbortSignal,
    first?: FirstHere,
  ): void {
    this.share(jobs, costs, (job, j) => this.local.useProduct(job, (values) => use(j, values)), use, signal, first);
  }

  /**
   * The jobs the balance gives the helper go there in one request; `mine(job, j)` runs the rest here, in order;
   * then `theirs(j, result)` takes each of the helper's results.
   */
  private share(
    jobs: readonly ProductJob[],
    costs: readonly number[],
    mine: (job: ProductJob, j: number) => unknown,
    theirs: (j: number, result: Float32Array) => void,
    signal?: AbortSignal,
    first?: FirstHere,
  ): void {
    const helper = this.helper;
    const sides = this.balance(jobs, costs, first?.cost ?? 0);
    const id = sides.theirs.length
      ? helper!.post({ type: 'products', jobs: sides.theirs.map((j) => ownBuffers(jobs[j])) })
      : -1;
    try {
      first?.run();
      for (const j of sides.mine) {
        throwIfAborted(signal);
        mine(jobs[j], j);
      }
    } catch (error) {
      // The helper may still be busy with its share: it is not reused.
      if (helper) helper.broken = true;
      throw error;
    }
    if (id >= 0) helper!.collect(id, signal).f32.forEach((r, k) => theirs(sides.theirs[k], r));
  }

  /** Which jobs go to the helper and which stay here, where `here` units of work are already to be done. */
  private balance(
    jobs: readonly ProductJob[],
    costs: readonly number[],
    here: number,
  ): { theirs: number[]; mine: number[] } {
    const helper = this.helper;
    const theirs: number[] = [];
    const mine: number[] = [];
    if (helper && (jobs.length > 1 || here > 0)) {
      // Greedy balance in job order: each job to the side with less work so far (ties to the helper).
      let loadHelper = 0;
      let loadMine = here;
      jobs.forEach((_, j) => {
        if (loadHelper <= loadMine) {
          theirs.push(j);
          loadHelper += costs[j];
        } else {
          mine.push(j);
          loadMine += costs[j];
        }
      });
    } else jobs.forEach((_, j) => mine.push(j));
    return { theirs, mine };
  }

  /**
   * Starts packedFactorDeviation(packed, diagonal, n, steps) on the helper (there must be one), which reads
   * `packed` in shared memory; the returned function waits for η.
   */
  startDeviation(
    packed: Float64Array,
    diagonal: Float64Array,
    n: number,
    steps: number,
  ): (signal?: AbortSignal) => number {
    const id = this.post({ type: 'deviation', packed, diagonal, n, steps });
    return (signal) => this.collect(id, signal).f64[0][0];
  }

  /**
   * Starts the mixed Cholesky's trailing-update chunks of `part` that the helper (there must be one) takes from
   * `claims`; it subtracts them from `part.a` in shared memory. The returned function waits for it.
   */
  startTrailingUpdate(part: TrailingPart, claims: Int32Array): (signal?: AbortSignal) => void {
    const id = this.post({ type: 'trailingUpdate', ...part, claims });
    return (signal) => void this.collect(id, signal);
  }

  /**
   * Starts H·v (without the L2 term) over a softmax head's training rows on the helper (there must be one): the
   * rows go with the first request and are kept under `name`. The returned function waits for H·v.
   */
  startHeadProduct(
    name: string,
    v: Float64Array,
    rows?: Extract<Request, { type: 'headProduct' }>['rows'],
  ): (signal?: AbortSignal) => Float64Array {
    if (rows) this.names.add(name);
    const id = this.post({ type: 'headProduct', name: this.prefix + name, rows, v });
    return (signal) => this.collect(id, signal).f64[0];
  }

  /** Posts one request to the helper (there must be one), for collect. */
  post(request: Request, transfer: ArrayBuffer[] = []): number {
    if (!this.helper) throw new Error('internal error: no helper thread');
    return this.helper.post(request, transfer);
  }

  collect(id: number, signal?: AbortSignal): { f32: Float32Array[]; f64: Float64Array[]; i32?: Int32Array[] } {
    return this.helper!.collect(id, signal);
  }

  /** A posted request will not be collected (this thread failed meanwhile): the helper is not reused. */
  abandon(): void {
    if (this.helper) this.helper.broken = true;
  }

  dispose(): void {
    const names = [...this.names].map((n) => this.prefix + n);
    this.local.clear();
    if (this.helper) {
      if (this.helper.usable && names.length) this.helper.post({ type: 'drop', names });
      release(this.helper);
    }
  }
}

/**
 * The job with operands that are views on a larger buffer copied out: posting a view copies its whole buffer (a
 * caller's reused workspace can be many times the operand).
 */
function ownBuffers(job: ProductJob): ProductJob {
  // A view on shared memory is posted as it is: the helper reads the caller's values, no copy.
  const own = (o: MatrixOperand): MatrixOperand =>
    typeof o === 'string' ||
    o.data.byteLength === o.data.buffer.byteLength ||
    o.data.buffer instanceof SharedArrayBuffer
      ? o
      : { ...o, data: o.data.slice() };
  return { ...job, a: own(job.a), b: own(job.b) };
}

/** Runs `body` with a SplitProducts of `threads`, disposed after. */
export function withSplitProducts<T>(threads: 1 | 2, body: (split: SplitProducts) => T): T {
  const split = new SplitProducts(threads);
  try {
    return body(split);
  } finally {
    split.dispose();
  }
}
