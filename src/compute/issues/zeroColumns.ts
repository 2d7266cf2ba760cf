/**
 * The points without the coordinates that are zero in every sample (MNIST: the 111 border pixels of 784 that no
 * digit of 10k touches), for the neighbour searches of the input space and of the feature space (a logistic
 * regression's features are its inputs): 14% fewer multiply-adds in their products. The distances are the same
 * numbers: a dropped coordinate adds only exact zeros to every dot product and squared norm (x + 0 = x, and a sum
 * that starts at +0 never becomes −0), and the product accumulates each entry along the shared dimension in order
 * (exactSearch.ts), so the neighbours are the very ones of the full vectors (test/unit/issues/zeroColumns.test.ts).
 */
import { nonzeroColumns, selectColumns } from '../linalg/columnSubset';
import type { Points } from './types';

/** The sets without their all-zero columns; the sets themselves when every column is used (or none is). */
export function withoutZeroColumns(sets: Points[]): Points[] {
  if (sets.length === 0) return sets;
  const columns = nonzeroColumns(sets, sets[0].d);
  if (columns.length === sets[0].d || columns.length === 0) return sets;
  return sets.map((p) => ({ x: selectColumns(p, p.d, columns), n: p.n, d: columns.length }));
}
