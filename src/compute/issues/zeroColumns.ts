/**
 * The points without the coordinates that are zero in every sample (MNIST: the 111 border pixels of 784 that no
 * digit of 10k touches), for the neighbour searches of the input space and of the feature space (a logistic
 * regression's features are its inputs): 14% fewer multiply-adds in their products. The distances are the same
 * numbers: a dropped coordinate adds only exact zeros to every dot product and squared norm (x + 0 = x, and a sum
 * that starts at +0 never becomes −0), and the product accumulates each entry along the shared dimension in order
 * (exactSearch.ts), so the neighbours are the very ones of the full vectors (test/unit/issues/zeroColumns.test.ts).
 */
import type { Points } from './types';

/** Columns nonzero in some row of any of `sets` (all of the same width). */
function usedColumns(sets: Points[]): Int32Array {
  const d = sets[0].d;
  const used = new Uint8Array(d);
  for (const p of sets)
    for (let r = 0; r < p.n; r++) {
      const base = r * d;
      for (let j = 0; j < d; j++) if (p.x[base + j] !== 0) used[j] = 1;
    }
  const kept: number[] = [];
  used.forEach((u, j) => u && kept.push(j));
  return Int32Array.from(kept);
}

/** `p` with only `columns`, in shared memory (posted to the search's helper thread uncopied). */
function keepColumns(p: Points, columns: Int32Array): Points {
  const d = columns.length;
  const x = new Float32Array(new SharedArrayBuffer(Math.max(1, p.n * d) * 4), 0, p.n * d);
  for (let r = 0; r < p.n; r++) {
    const from = r * p.d;
    const to = r * d;
    for (let j = 0; j < d; j++) x[to + j] = p.x[from + columns[j]];
  }
  return { x, n: p.n, d };
}

/** The sets without their all-zero columns; the sets themselves when every column is used (or none is). */
export function withoutZeroColumns(sets: Points[]): Points[] {
  if (sets.length === 0) return sets;
  const columns = usedColumns(sets);
  if (columns.length === sets[0].d || columns.length === 0) return sets;
  return sets.map((p) => keepColumns(p, columns));
}
