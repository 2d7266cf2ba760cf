import { createRng, shuffleInPlace } from '../random';

/**
 * Stratified k-fold assignment: each class's samples are shuffled (seeded)
 * and dealt round-robin into folds, so every fold sees every class in
 * proportion. Returns the fold index of each sample.
 */
export function stratifiedFolds(y: Int32Array, numClasses: number, folds: number, seed: number): Int32Array {
  const assignment = new Int32Array(y.length);
  const rng = createRng(seed);
  let offset = 0;
  for (let c = 0; c < numClasses; c++) {
    const members: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === c) members.push(i);
    shuffleInPlace(members, rng);
    // Continue the round-robin across classes so small classes do not all land in fold 0.
    for (const i of members) assignment[i] = offset++ % folds;
  }
  return assignment;
}

/** Rows of `x` (row-major, `dims` wide) selected by `indices`. */
export function selectRows<T extends Float32Array | Float64Array>(x: T, dims: number, indices: ArrayLike<number>): T {
  const out = (
    x instanceof Float64Array ? new Float64Array(indices.length * dims) : new Float32Array(indices.length * dims)
  ) as T;
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    out.set(x.subarray(i * dims, (i + 1) * dims), r * dims);
  }
  return out;
}
