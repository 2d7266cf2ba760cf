/**
 * The softmax head's quantities in float64 closed form, written out without the engine's code: references for tests
 * of the head's products, Hessian, factor and influence. Layout as softmaxHead.ts: W is (F + 1) × C, bias last.
 */
import type { HeadData, HeadShape } from '../../src/compute/head/softmaxHead';

/** softmax([φ_i, 1]·W) of every sample, n × C. */
export function referenceProbabilities(data: HeadData, shape: HeadShape, head: Float64Array): Float64Array {
  const { featureDim: f, numClasses: c } = shape;
  const probs = new Float64Array(data.n * c);
  for (let i = 0; i < data.n; i++) {
    const logits = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      let s = head[f * c + k];
      for (let j = 0; j < f; j++) s += data.phi[i * f + j] * head[j * c + k];
      logits[k] = s;
    }
    const max = Math.max(...logits);
    const e = logits.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let k = 0; k < c; k++) probs[i * c + k] = e[k] / sum;
  }
  return probs;
}

/** [φ_i, 1] ⊗ (p_i − e_{y_i}): sample i's loss gradient over the whole head. */
export function referenceGradient(data: HeadData, shape: HeadShape, probs: Float64Array, i: number): Float64Array {
  const { featureDim: f, numClasses: c } = shape;
  const g = new Float64Array((f + 1) * c);
  for (let j = 0; j <= f; j++) {
    const x = j === f ? 1 : data.phi[i * f + j];
    for (let k = 0; k < c; k++) g[j * c + k] = x * (probs[i * c + k] - (k === data.y[i] ? 1 : 0));
  }
  return g;
}

/** The head's damped Hessian, D·C square: Σ_i φ̃φ̃ᵀ ⊗ (diag p_i − p_ip_iᵀ) + λI. */
export function fullHessian(data: HeadData, shape: HeadShape, probs: Float64Array, lambda: number): Float64Array {
  const { featureDim: f, numClasses: c } = shape;
  const d = f + 1;
  const p = d * c;
  const h = new Float64Array(p * p);
  const x = new Float64Array(d);
  for (let i = 0; i < data.n; i++) {
    for (let j = 0; j < f; j++) x[j] = data.phi[i * f + j];
    x[f] = 1;
    for (let a = 0; a < c; a++)
      for (let b = 0; b < c; b++) {
        const w = (a === b ? probs[i * c + a] : 0) - probs[i * c + a] * probs[i * c + b];
        for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) h[(j * c + a) * p + l * c + b] += x[j] * x[l] * w;
      }
  }
  for (let r = 0; r < p; r++) h[r * p + r] += lambda;
  return h;
}
