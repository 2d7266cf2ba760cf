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

/** Φ̃ᵀ (D × n, float32, the last row ones) of `data`: the gradient reads features one at a time over all samples. */
export function transposedFeatures(data: HeadData, shape: HeadShape): Float32Array {
  const f = shape.featureDim;
  const n = data.n;
  const out = new Float32Array((f + 1) * n);
  for (let i = 0; i < n; i++) {
    const row = i * f;
    for (let j = 0; j < f; j++) out[j * n + i] = data.phi[row + j];
  }
  out.fill(1, f * n);
  return out;
}

/**
 * out[j·C + k] = start[j·C + k] + Σ_i Φ̃ᵀ[j, i]·Rᵀ[k, i], in order i: the gradient Φ̃ᵀ·R of the head objective
 * (with `start` = λ·W), R the n × C residual given transposed (C × n). `phiT` from transposedFeatures. `out` may be
 * `start` (each entry is read before it is written).
 */
export function featureResidualProduct(
  phiT: Float32Array,
  residualT: Float64Array,
  n: number,
  shape: HeadShape,
  start: Float64Array,
  out: Float64Array,
): void {
  const c = shape.numClasses;
  const d = shape.featureDim + 1;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    const a0 = j * n;
    const a1 = a0 + n;
    const a2 = a1 + n;
    const a3 = a2 + n;
    let k = 0;
    for (; k + 1 < c; k += 2) {
      const ru = k * n;
      const rv = ru + n;
      const o = j * c + k;
      let s00 = start[o];
      let s01 = start[o + 1];
      let s10 = start[o + c];
      let s11 = start[o + c + 1];
      let s20 = start[o + 2 * c];
      let s21 = start[o + 2 * c + 1];
      let s30 = start[o + 3 * c];
      let s31 = start[o + 3 * c + 1];
      for (let i = 0; i < n; i++) {
        const u = residualT[ru + i];
        const v = residualT[rv + i];
        const x0 = phiT[a0 + i];
        const x1 = phiT[a1 + i];
        const x2 = phiT[a2 + i];
        const x3 = phiT[a3 + i];
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
      for (let r = j; r < j + 4; r++) out[r * c + k] = dotFrom(start[r * c + k], phiT, r * n, residualT, k * n, n);
  }
  for (; j < d; j++)
    for (let k = 0; k < c; k++) out[j * c + k] = dotFrom(start[j * c + k], phiT, j * n, residualT, k * n, n);
}
