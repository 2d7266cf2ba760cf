/**
 * Shapes shared by the mislabel signals, and the one place that checks them,
 * so each signal can assume well-formed input.
 */

/**
 * Row-major n × C predicted class probabilities, each row summing to ~1.
 * For mislabel detection these must be *out-of-sample* (k-fold cross-fitted):
 * a model that has memorised a wrong label is confident in it.
 */
export type ProbMatrix = Float32Array | Float64Array;

/** Given (possibly wrong) class index per sample, in [0, C). */
export type LabelArray = Int32Array | ArrayLike<number>;

/** Validates the matrix against C (and the labels, when given); returns n. */
export function rowsOf(probs: ProbMatrix, C: number, y?: LabelArray): number {
  if (!Number.isInteger(C) || C < 2) throw new RangeError(`need at least 2 classes, got C = ${C}`);
  if (probs.length % C !== 0) {
    throw new RangeError(`probability matrix of length ${probs.length} is not n × ${C}`);
  }
  const n = probs.length / C;
  if (y !== undefined) {
    if (y.length !== n) throw new RangeError(`${y.length} labels for ${n} probability rows`);
    for (let i = 0; i < n; i++) {
      const label = y[i];
      if (!Number.isInteger(label) || label < 0 || label >= C) {
        throw new RangeError(`label ${label} of sample ${i} is not a class index in [0, ${C})`);
      }
    }
  }
  return n;
}
