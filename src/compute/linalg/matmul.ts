/**
 * Float32 matrix products on the active tfjs backend (wasm SIMD here, about
 * 25 GFLOP/s against ~1 GFLOP/s for plain JS loops). The heavy products of
 * influence — Hessian blocks, whitening, train × test scores — go through
 * these; the precision-critical solve stays in Float64 (see cholesky.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { lendFloats } from '../tf/readFloats';

/** C = A·B with A m×k and B k×n, all row-major. */
export function matMul(a: Float32Array, m: number, k: number, b: Float32Array, n: number): Float32Array {
  return readAndDispose(tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]))));
}

/** C = A·B as matMul, handed to `use` without a copy where the backend allows (useAndDispose). */
export function useMatMul<T>(
  a: Float32Array,
  m: number,
  k: number,
  b: Float32Array,
  n: number,
  use: (c: Float32Array) => T,
): T {
  return useAndDispose(
    tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]))),
    use,
  );
}

/**
 * Copies a tensor's values out and frees it. Never return a typed array from
 * tf.tidy: tidy walks its return value element by element looking for
 * tensors, which cost seconds on arrays of millions of floats.
 */
export function readAndDispose(t: tf.Tensor): Float32Array {
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

/**
 * Hands `use` a float32 tensor's values, then frees it. On the wasm backend the values are a view on the
 * backend's heap: no copy. dataSync's fresh copy cost more than the product itself here (first touch of new
 * pages, ~0.3 GB/s on this machine: 17 ms for a 1744×768 result that took 21 ms to multiply). The view is
 * valid during `use` only, which must not run tfjs operations (a growing heap detaches it).
 */
export function useAndDispose<T>(t: tf.Tensor, use: (values: Float32Array) => T): T {
  try {
    return use(lendFloats(t));
  } finally {
    t.dispose();
  }
}

/**
 * Row-major transpose (tfjs wasm is far slower with a transposed matMul operand than with an explicit transpose first).
 * Eight source rows at a time: the reads are eight sequential streams and each column's eight values are written side
 * by side, 0.6 ns a value at 128 × 784 on this machine where 64 × 64 tiles of single values took 1.4.
 */
export function transpose(
  a: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array = new Float32Array(rows * cols),
): Float32Array {
  return transposeRows(a, cols, rows, (i) => i, out);
}

/**
 * The transpose (cols × count, row-major) of rows row(0), …, row(count − 1) of the row-major `a` of width `cols`: a
 * gather and a transpose in one pass, as `transpose` does it.
 */
export function transposeRows(
  a: Float32Array,
  cols: number,
  count: number,
  row: (i: number) => number,
  out: Float32Array = new Float32Array(count * cols),
): Float32Array {
  const rows = count;
  let i = 0;
  for (; i + 8 <= rows; i += 8) {
    const r0 = row(i) * cols;
    const r1 = row(i + 1) * cols;
    const r2 = row(i + 2) * cols;
    const r3 = row(i + 3) * cols;
    const r4 = row(i + 4) * cols;
    const r5 = row(i + 5) * cols;
    const r6 = row(i + 6) * cols;
    const r7 = row(i + 7) * cols;
    for (let j = 0, o = i; j < cols; j++, o += rows) {
      out[o] = a[r0 + j];
      out[o + 1] = a[r1 + j];
      out[o + 2] = a[r2 + j];
      out[o + 3] = a[r3 + j];
      out[o + 4] = a[r4 + j];
      out[o + 5] = a[r5 + j];
      out[o + 6] = a[r6 + j];
      out[o + 7] = a[r7 + j];
    }
  }
  for (; i < rows; i++) for (let j = 0, r = row(i) * cols, o = i; j < cols; j++, o += rows) out[o] = a[r + j];
  return out;
}
