/**
 * The layout exact influence whitens per-sample gradients in (softmaxHead.ts in class coordinates, classContrasts.ts in
 * contrast coordinates): column r of a (width·D) × rows float32 matrix is φ̃_r ⊗ residual_r. Apart so that both can
 * use it without importing each other.
 */

/** The rows of a HeadData (softmaxHead.ts, which imports this file). */
interface Rows {
  /** Row-major n × F features φ. */
  phi: Float32Array;
}

/**
 * out (width·D × rows) = φ̃ ⊗ residual, transposed: row j·width + k, column r is φ̃_{start+r, j}·residual[r·width + k]
 * (φ̃ with the bias last). One feature at a time: `width` rows of `out` stream together.
 */
export function writeGradientsTransposed(
  data: Rows,
  f: number,
  start: number,
  rows: number,
  residual: Float64Array,
  width: number,
  out: Float32Array,
): void {
  for (let j = 0; j <= f; j++) {
    const base = j * width * rows;
    for (let r = 0; r < rows; r++) {
      const v = j === f ? 1 : data.phi[(start + r) * f + j];
      for (let k = 0; k < width; k++) out[base + k * rows + r] = v * residual[r * width + k];
    }
  }
}
