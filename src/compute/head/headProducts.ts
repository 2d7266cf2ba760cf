/**
 * The head's two float64 products, logits Z = Φ̃·W and the gradient Φ̃ᵀ·R, register-tiled: several independent
 * accumulators (4 samples × 2 classes, 4 features × 2 classes) share each load, where the plain loops of
 * softmaxHead.ts kept one short class loop per sample and loaded and stored every entry of the gradient per
 * multiply-add (~3× slower at P = 5000).
 *
 * Each accumulator still adds its terms in the plain loops' order (logits: the bias, then feature 0, 1, …; the
 * gradient: λ·w, then sample 0, 1, …), and JS rounds every product and sum to float64 (no fused multiply-add), so
 * the results are the same bytes as the plain loops'. The one departure: the plain loops skip a zero feature, these
 * add 0·w, which changes nothing but the sign of a sum that is exactly −0 (`headProducts.test.ts`).
 */
import type { HeadData, HeadShape } from './softmaxHead';

/** Logits Z = Φ̃·W for every sample, n × C (row-major), W in softmaxHead's layout (bias last). */
export function headLogits(data: HeadData, shape: HeadShape, w: Float64Array): Float64Array {
  const { featureDim: f, numClasses: c } = shape;
  const n = data.n;
  const phi = data.phi;
  const out = new Float64Array(n * c);
  // Wᵀ without the bias row: class k's weights contiguous, beside a sample's contiguous features.
  const wT = new Float64Array(c * f);
  for (let j = 0; j < f; j++) for (let k = 0; k < c; k++) wT[k * f + j] = w[j * c + k];
  const bias = f * c;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = i * f;
    const r1 = r0 + f;
    const r2 = r1 + f;
    const r3 = r2 + f;
    let k = 0;
    for (; k + 1 < c; k += 2) {
      const a = k * f;
      const b = a + f;
      const ba = w[bias + k];
      const bb = w[bias + k + 1];
      let s00 = ba;
      let s01 = bb;
      let s10 = ba;
      let s11 = bb;
      let s20 = ba;
      let s21 = bb;
      let s30 = ba;
      let s31 = bb;
      for (let j = 0; j < f; j++) {
        const wa = wT[a + j];
        const wb = wT[b + j];
        const x0 = phi[r0 + j];
        const x1 = phi[r1 + j];
        const x2 = phi[r2 + j];
        const x3 = phi[r3 + j];
        s00 += x0 * wa;
        s01 += x0 * wb;
        s10 += x1 * wa;
        s11 += x1 * wb;
        s20 += x2 * wa;
        s21 += x2 * wb;
        s30 += x3 * wa;
        s31 += x3 * wb;
      }
      const o = i * c + k;
      out[o] = s00;
      out[o + 1] = s01;
      out[o + c] = s10;
      out[o + c + 1] = s11;
      out[o + 2 * c] = s20;
      out[o + 2 * c + 1] = s21;
      out[o + 3 * c] = s30;
      out[o + 3 * c + 1] = s31;
    }
    for (; k < c; k++) for (let r = i; r < i + 4; r++) out[r * c + k] = dotFrom(w[bias + k], phi, r * f, wT, k * f, f);
  }
  for (; i < n; i++) for (let k = 0; k < c; k++) out[i * c + k] = dotFrom(w[bias + k], phi, i * f, wT, k * f, f);
  return out;
}

/** `start` + Σ_q a[aAt + q]·b[bAt + q] over q < length, in order q (the tiles' leftovers). */
function dotFrom(start: number, a: Float32Array, aAt: number, b: Float64Array, bAt: number, length: number): number {
  let s = start;
  for (let q = 0; q < length; q++) s += a[aAt + q] * b[bAt + q];
  return s;
}

/** Samples per block of the gradient: their features and residuals, transposed, stay in the L2 cache (~0.5 MB). */
const BLOCK_ROWS = 256;

/**
 * out[j·C + k] += Σ_i φ̃_ij·R[i, k] in order i = 0, 1, …: with `out` = λ·W on entry, the gradient Φ̃ᵀ·R + λW of the
 * head objective (softmaxHead.ts), R the n × C residual P − Y (row-major). Block by block of samples, transposed
 * into small buffers, so no transposed copy of all the features is kept (a logistic regression's can be hundreds of
 * MB); each entry's running sum is stored between blocks and picked up again, in the same order.
 */
export function addFeatureResidualProduct(
  data: HeadData,
  shape: HeadShape,
  residual: Float64Array,
  out: Float64Array,
): void {
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
    addBlockProduct(phiT, rT, m, d, c, out);
  }
}

/** out[j·C + k] += Σ_{r<m} phiT[j·m + r]·rT[k·m + r], in order r, four features × two classes at a time. */
function addBlockProduct(phiT: Float32Array, rT: Float64Array, m: number, d: number, c: number, out: Float64Array) {
  let j = 0;
  for (; j + 3 < d; j += 4) {
    const a0 = j * m;
    const a1 = a0 + m;
    const a2 = a1 + m;
    const a3 = a2 + m;
    let k = 0;
    for (; k + 1 < c; k += 2) {
      const ru = k * m;
      const rv = ru + m;
      const o = j * c + k;
      let s00 = out[o];
      let s01 = out[o + 1];
      let s10 = out[o + c];
      let s11 = out[o + c + 1];
      let s20 = out[o + 2 * c];
      let s21 = out[o + 2 * c + 1];
      let s30 = out[o + 3 * c];
      let s31 = out[o + 3 * c + 1];
      for (let r = 0; r < m; r++) {
        const u = rT[ru + r];
        const v = rT[rv + r];
        const x0 = phiT[a0 + r];
        const x1 = phiT[a1 + r];
        const x2 = phiT[a2 + r];
        const x3 = phiT[a3 + r];
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
      out[o + c] = s10;
      out[o + c + 1] = s11;
      out[o + 2 * c] = s20;
      out[o + 2 * c + 1] = s21;
      out[o + 3 * c] = s30;
      out[o + 3 * c + 1] = s31;
    }
    for (; k < c; k++)
      for (let q = j; q < j + 4; q++) out[q * c + k] = dotFrom(out[q * c + k], phiT, q * m, rT, k * m, m);
  }
  for (; j < d; j++) for (let k = 0; k < c; k++) out[j * c + k] = dotFrom(out[j * c + k], phiT, j * m, rT, k * m, m);
}
