/**
 * Matrix products as self-contained jobs over named matrices, computed the same way in whichever thread runs
 * them (parallel/matrixHelper.ts sends some to a worker thread, which runs this same code on its own tfjs
 * instance): a job's result is one matMul computed whole by one thread, so its bytes do not depend on how many
 * threads shared the work.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose, useAndDispose } from './matmul';
import { type LowerProduct, PackedLowerProduct } from './triangularProduct';

/** A matrix kept by name (MatrixStore), or rows × cols row-major values. */
export type MatrixOperand = string | { data: Float32Array; rows: number; cols: number };

/** C = A·diag(scale)·B (scale, when given, has one entry per column of A). */
export interface ProductJob {
  a: MatrixOperand;
  b: MatrixOperand;
  scale?: Float32Array;
}

/** Named float32 matrices on this thread's tfjs backend, and the products of jobs over them. */
export class MatrixStore {
  private readonly tensors = new Map<string, tf.Tensor2D>();
  private readonly lowers = new Map<string, LowerProduct>();

  put(name: string, data: Float32Array, rows: number, cols: number): void {
    this.drop([name]);
    this.tensors.set(name, tf.tensor2d(data, [rows, cols]));
  }

  /** Keeps X ↦ M·X for the p × p lower-triangular M, packed by rows (triangularProduct.ts, packedLower.ts). */
  putLower(name: string, m: Float32Array, p: number): void {
    this.drop([name]);
    this.lowers.set(name, new PackedLowerProduct(m, p));
  }

  /** Keeps a lower-triangular operator made by the caller (triangularSolve.ts LowerSolve), disposed with the store. */
  putOperator(name: string, operator: LowerProduct): void {
    this.drop([name]);
    this.lowers.set(name, operator);
  }

  tensor(name: string): tf.Tensor2D {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`internal error: no matrix named ${name}`);
    return t;
  }

  lower(name: string): LowerProduct {
    const l = this.lowers.get(name);
    if (!l) throw new Error(`internal error: no triangular factor named ${name}`);
    return l;
  }

  product(job: ProductJob): Float32Array {
    return readAndDispose(this.multiply(job));
  }

  /** The product handed to `use` without a copy where the backend allows (matmul.ts useAndDispose). */
  useProduct<T>(job: ProductJob, use: (values: Float32Array) => T): T {
    return useAndDispose(this.multiply(job), use);
  }

  private multiply(job: ProductJob): tf.Tensor2D {
    return tf.tidy(() => {
      const a = this.operand(job.a);
      const b = this.operand(job.b);
      const scaled = job.scale ? tf.mul(a, tf.tensor2d(job.scale, [1, job.scale.length])) : a;
      return tf.matMul(scaled, b);
    });
  }

  drop(names: readonly string[]): void {
    for (const name of names) {
      this.tensors.get(name)?.dispose();
      this.tensors.delete(name);
      this.lowers.get(name)?.dispose();
      this.lowers.delete(name);
    }
  }

  clear(): void {
    this.drop([...this.tensors.keys(), ...this.lowers.keys()]);
  }

  private operand(o: MatrixOperand): tf.Tensor2D {
    return typeof o === 'string' ? this.tensor(o) : tf.tensor2d(o.data, [o.rows, o.cols]);
  }
}

/**
 * Runs independent jobs and returns their results in job order (parallel/matrixHelper.ts's SplitProducts spreads
 * them over two threads); `costs[j]` is job j's relative cost.
 */
export interface ProductRunner {
  run(jobs: readonly ProductJob[], costs: readonly number[], signal?: AbortSignal): Float32Array[];
  /**
   * Runs the jobs like run() but hands each result to `use(j, values)` as it is ready, in no fixed order: `values`
   * may be a view on the backend's memory, valid during the call only (no copy of a result made on this thread).
   * `first.run()` runs on this thread before its share of the jobs (and after the other thread got its share, so
   * the two overlap); `first.cost`, in the jobs' units, counts in the balance.
   */
  each(
    jobs: readonly ProductJob[],
    costs: readonly number[],
    use: (j: number, values: Float32Array) => void,
    signal?: AbortSignal,
    first?: FirstHere,
  ): void;
}

/** Work of this thread that overlaps the other thread's products (ProductRunner.each). */
export interface FirstHere {
  run(): void;
  cost: number;
}

/** Runs jobs over values only (no named matrices) on this thread, in order. */
export const localProducts: ProductRunner = {
  run(jobs) {
    const store = new MatrixStore();
    return jobs.map((job) => store.product(job));
  },
  each(jobs, _costs, use, _signal, first) {
    first?.run();
    const store = new MatrixStore();
    jobs.forEach((job, j) => store.useProduct(job, (values) => use(j, values)));
  },
};
