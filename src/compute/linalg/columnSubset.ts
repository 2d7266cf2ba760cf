/**
 * Row-major float32 matrices restricted to some of their columns: the columns no row uses are where two passes save
 * work exactly — the neighbour searches (issues/zeroColumns.ts: a zero coordinate adds nothing to a distance) and the
 * head's Hessian (head/featureSubset.ts: a feature no training row has touches no curvature but the regulariser's).
 * `rows`, where given, are the rows of `x` that make the matrix (a cross-fitting fold's, read in place).
 */

import { sharedFloat32 } from '../sharedMemory';

/** A row-major matrix of width d: x's first n rows, or its rows `rows` (then n = rows.length). */
export interface RowSet {
  x: Float32Array;
  n: number;
  rows?: Int32Array;
}

/** The columns (in order) nonzero in some row of any of `matrices`, each of width d. */
export function nonzeroColumns(matrices: RowSet[], d: number): Int32Array {
  const used = new Uint8Array(d);
  for (const { x, n, rows } of matrices)
    for (let r = 0; r < n; r++) {
      const base = (rows ? rows[r] : r) * d;
      for (let j = 0; j < d; j++) if (x[base + j] !== 0) used[j] = 1;
    }
  const kept: number[] = [];
  used.forEach((u, j) => u && kept.push(j));
  return Int32Array.from(kept);
}

/**
 * The matrix with only `columns`, n × columns.length, in shared memory (so that it is posted to a helper thread
 * uncopied).
 */
export function selectColumns(matrix: RowSet, d: number, columns: Int32Array): Float32Array {
  return selectColumnsInto(matrix, d, columns, sharedFloat32(matrix.n * columns.length));
}

/** selectColumns into the start of `out` (a buffer reused call after call: the dense trainer's batches). */
export function selectColumnsInto(
  { x, n, rows }: RowSet,
  d: number,
  columns: Int32Array,
  out: Float32Array,
): Float32Array {
  const kept = columns.length;
  for (let r = 0; r < n; r++) {
    const from = (rows ? rows[r] : r) * d;
    const to = r * kept;
    for (let j = 0; j < kept; j++) out[to + j] = x[from + columns[j]];
  }
  return out;
}
