/**
 * The head's two float64 products, logits Z = Φ̃·W and the gradient Φ̃ᵀ·R, register-tiled by one kernel
 * (addRowDots: 4 rows × 2 columns, eight independent sums sharing six loads per step), where the plain loops of
 * softmaxHead.ts kept one short class loop per sample and loaded and stored every entry of the gradient per
 * multiply-add (~3× slower at P = 5000).
 *
 * Each accumulator still adds its terms in the plain loops' order (logits: the bias, then feature 0, 1, …; the
 * gradient: λ·w, then sample 0, 1, …), and JS rounds every product and sum to float64 (no fused multiply-add), so
 * the results are the same bytes as the plain loops'. The one departure: the plain loops skip a zero feature, these
 * add 0·w, which changes nothing but the sign of a sum that is exactly −0 (`headProducts.test.ts`).
 */

/** The rows of a HeadData (softmaxHead.ts, which imports this file: spelled out here so the two do not loop). */
interface Rows {
  /** Row-major n × F features φ. */
  phi: Float32Array;
  n: number;
}

/** A HeadShape (softmaxHead.ts). */
interface Shape {
  featureDim: number;
  numClasses: number;
}

/** Logits Z = Φ̃·W for every sample, n × C (row-major), W in softmaxHead's layout (bias last). */
export function headLogits(data: Rows, shape: Shape, w: Float64Array): Float64Array {
  const { featureDim: f, numClasses: c } = shape;
  // Wᵀ without the bias row: class k's weights contiguous, beside a sample's contiguous features.
  const wT = new Float64Array(c * f);
  for (let j = 0; j < f; j++) for (let k = 0; k < c; k++) wT[k * f + j] = w[j * c + k];
  const out = new Float64Array(data.n * c);
  for (let i = 0; i < data.n; i++) out.set(w.subarray(f * c, (f + 1) * c), i * c);
  addRowDots(data.phi, data.n, wT, c, f, out);
  return out;
}

/** Samples per block of the gradient: their features and residuals, transposed, stay in the L2 cache (~0.5 MB). */
const BLOCK_ROWS = 256;

/**
 * out[j·C + k] += Σ_i φ̃_ij·R[i, k] in order i = 0, 1, …: with `out` = λ·W on entry, the gradient Φ̃ᵀ·R + λW of the
 * head objective (softmaxHead.ts), R the n × C residual P − Y (row-major). Block by block of samples, transposed
 * into small buffers, so no transposed copy of all the features is kept (a logistic regression's can be hundreds of
 * MB); each entry's running sum is stored between blocks and picked up again, in the same order.
 */
export function addFeatureResidualProduct(data: Rows, shape: Shape, residual: Float64Array, out: Float64Array): void {
  const { featureDim: f, numClasses: c } = shape;
  const d = f + 1;
  const phiT = new Float32Array(d * BLOCK_ROWS);
  const rT = new Float64Array(c * BLOCK_ROWS);
  for (let first = 0; first < data.n; first += BLOCK_ROWS) {
    const m = Math.min(BLOCK_ROWS, data.n - first);
    for (let r = 0; r < m; r++) {
      const row = (first + r) * f;
      for (let j = 0; j < f; j++) phiT[j * m + r] = data.phi[row + j];
      phiT[f * m + r] = 1;
      for (let k = 0; k < c; k++) rT[k * m + r] = residual[(first + r) * c + k];
    }
    addRowDots(phiT, d, rT, c, m, out);
  }
}

/**
 * out[r·cols + k] += Σ_q a[r·length + q]·b[k·length + q] for every row r of `a` and k of `b`, each sum in order
 * q = 0, 1, …; four rows × two columns at a time, eight independent sums sharing six loads per step.
 */
function addRowDots(a: Float32Array, rows: number, b: Float64Array, cols: number, length: number, out: Float64Array) {
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const a0 = r * length;
    const a1 = a0 + length;
    const a2 = a1 + length;
    const a3 = a2 + length;
    let k = 0;
    for (; k + 1 < cols; k += 2) {
      const bu = k * length;
      const bv = bu + length;
      const o = r * cols + k;
      let s00 = out[o];
      let s01 = out[o + 1];
      let s10 = out[o + cols];
      let s11 = out[o + cols + 1];
      let s20 = out[o + 2 * cols];
      let s21 = out[o + 2 * cols + 1];
      let s30 = out[o + 3 * cols];
      let s31 = out[o + 3 * cols + 1];
      for (let q = 0; q < length; q++) {
        const u = b[bu + q];
        const v = b[bv + q];
        const x0 = a[a0 + q];
        const x1 = a[a1 + q];
        const x2 = a[a2 + q];
        const x3 = a[a3 + q];
        s00 += x0 * u;
        s01 += x0 * v;
        s10 += x1 * u;
        s11 += x1 * v;
        s20 += x2 * u;
        s21 += x2 * v;
        s30 += x3 * u;
        s31 += x3 * v;
      }
      out[o] = s00;
      out[o + 1] = s01;
      out[o + cols] = s10;
      out[o + cols + 1] = s11;
      out[o + 2 * cols] = s20;
      out[o + 2 * cols + 1] = s21;
      out[o + 3 * cols] = s30;
      out[o + 3 * cols + 1] = s31;
    }
    for (; k < cols; k++) for (let q = r; q < r + 4; q++) addRowDot(a, q, b, k, cols, length, out);
  }
  for (; r < rows; r++) for (let k = 0; k < cols; k++) addRowDot(a, r, b, k, cols, length, out);
}

/** One sum of addRowDots: out[r·cols + k] += Σ_q a[r·length + q]·b[k·length + q], in order q. */
function addRowDot(
  a: Float32Array,
  r: number,
  b: Float64Array,
  k: number,
  cols: number,
  length: number,
  out: Float64Array,
) {
  let s = out[r * cols + k];
  for (let q = 0; q < length; q++) s += a[r * length + q] * b[k * length + q];
  out[r * cols + k] = s;
}
