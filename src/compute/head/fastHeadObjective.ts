/**
 * The head objective with its two big products (logits and the gradient
 * Φ̃ᵀ·(P − Y)) on the fast float32 backend, about 20× quicker than
 * Float64 JS loops. Softmax, loss and accumulation stay in Float64. Its
 * precision floor (~1e-6 relative) is why fitHead finishes with a Float64
 * Newton step (see polishHead).
 *
 * Both products are taken class-major, with the C classes as the product's rows: logits as Wᵀ·Φ̃ᵀ (C × n), the
 * gradient as (P − Y)ᵀ·Φ̃ (C × D). The wasm matMul is slow on an output only C wide: at 6,400 × 785 × 10 (an MNIST
 * fold) Φ̃·W took 5.6–6.1 ms and Wᵀ·Φ̃ᵀ 3.6–4.6, Φ̃ᵀ·M 5.9–9.2 and Mᵀ·Φ̃ 3.8–4.1 — every Newton–CG iteration of a
 * logistic regression is such a pair.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Objective } from '../linalg/lbfgs';
import type { CurvedObjective } from '../linalg/newtonCg';
import { readAndDispose, useAndDispose } from '../linalg/matmul';
import { biasedFeatureTensors, type HeadFitData } from './biasedFeatures';
import type { HeadData, HeadShape } from './softmaxHead';

export interface DisposableObjective extends Objective {
  dispose(): void;
}

/**
 * Σ_i CE of the softmax of each sample's logits and the residual P − Y (float32, for the gradient's product), both
 * class-major (C × n: class k of sample i at k·n + i). One exp per entry: the sample's exponentials are kept (in
 * float64) and divided by their sum, rather than taken again as exp(l − logΣ). Reads `logits` once, so it can be a
 * view on the backend's heap.
 */
export function softmaxResidual(
  logits: Float32Array,
  y: Int32Array,
  n: number,
  c: number,
  residual: Float32Array,
  scratch: Float64Array,
): number {
  let value = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < c; k++) if (logits[k * n + i] > max) max = logits[k * n + i];
    let sum = 0;
    for (let k = 0; k < c; k++) {
      const e = Math.exp(logits[k * n + i] - max);
      scratch[k] = e;
      sum += e;
    }
    value += Math.log(sum) + max - logits[y[i] * n + i];
    const inverse = 1 / sum;
    for (let k = 0; k < c; k++) residual[k * n + i] = scratch[k] * inverse;
    residual[y[i] * n + i] -= 1;
  }
  return value;
}

/**
 * The Hessian-vector product's middle factor, S_i = p_i ⊙ u_i − p_i (p_i · u_i) for U = Φ̃·V, with
 * p_i = r_i + onehot(y_i) from the residual r = P − Y of the latest evaluation; U, r and S class-major (C × n).
 */
function curvatureRows(
  u: Float32Array,
  residual: Float32Array,
  y: Int32Array,
  n: number,
  c: number,
  out: Float32Array,
) {
  for (let i = 0; i < n; i++) {
    const label = y[i] * n + i;
    let pu = u[label];
    for (let k = 0; k < c; k++) pu += residual[k * n + i] * u[k * n + i];
    for (let k = 0; k < c; k++) out[k * n + i] = residual[k * n + i] * (u[k * n + i] - pu);
    out[label] += u[label] - pu;
  }
}

/** Wᵀ (C × D, float32) of W (D × C, row-major) into `out`. */
function transposeWeights(w: Float64Array, d: number, c: number, out: Float32Array): Float32Array {
  for (let j = 0; j < d; j++) for (let k = 0; k < c; k++) out[k * d + j] = w[j * c + k];
  return out;
}

/**
 * R(W) and its gradient, and H·v at the latest evaluated W (CurvedObjective, for Newton–CG): Φ̃ᵀ·S + l2·v with S
 * from U = Φ̃·V (curvatureRows), the same two products as the gradient and no exp.
 */
export function createFastHeadObjective(
  data: HeadFitData,
  shape: HeadShape,
  l2: number,
): DisposableObjective & CurvedObjective {
  const { numClasses: c } = shape;
  const d = shape.featureDim + 1;
  const n = data.n;
  const { phiTensor, phiTTensor } = biasedFeatureTensors(data, shape);
  const weightsT = new Float32Array(c * d);
  const residual = new Float32Array(c * n);
  const scratch = new Float64Array(c);
  let curvature: Float32Array | undefined;
  /** Φ̃·W class-major: Wᵀ·Φ̃ᵀ (C × n). */
  const classMajorTimes = (w: Float64Array) =>
    tf.tidy(() => tf.matMul(tf.tensor2d(transposeWeights(w, d, c, weightsT), [c, d]), phiTTensor));
  /**
   * Φ̃ᵀ·M + l2·w (M class-major, C × n; the product Mᵀ·Φ̃ is C × D) into out; returns value + Σ ½·l2·w² (added in
   * this order: the fold heads' bytes).
   */
  const featuresTransposedTimes = (m: Float32Array, w: Float64Array, out: Float64Array, value: number): number => {
    let total = value;
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(m, [c, n]), phiTensor));
    useAndDispose(product, (values) => {
      for (let p = 0; p < w.length; p++) {
        total += 0.5 * l2 * w[p] * w[p];
        out[p] = values[(p % c) * d + Math.floor(p / c)] + l2 * w[p];
      }
    });
    return total;
  };

  return {
    evaluate(w: Float64Array, grad: Float64Array): number {
      // The logits are read in place on the backend's heap (useAndDispose): dataSync's copy of the n × C logits
      // cost more than their product (9 ms against 7 ms at 16k × 130 × 26).
      const logits = classMajorTimes(w);
      const value = useAndDispose(logits, (values) => softmaxResidual(values, data.y, n, c, residual, scratch));
      return featuresTransposedTimes(residual, w, grad, value);
    },
    hessianProduct(v: Float64Array, out: Float64Array): void {
      curvature ??= new Float32Array(c * n);
      const rows = curvature;
      const u = classMajorTimes(v);
      useAndDispose(u, (values) => curvatureRows(values, residual, data.y, n, c, rows));
      featuresTransposedTimes(rows, v, out, 0);
    },
    dispose() {
      phiTensor.dispose();
      phiTTensor.dispose();
    },
  };
}

/**
 * H·v of the head objective with the two products on the fast backend:
 * U = Φ̃·V, S_i = p_i ⊙ u_i − p_i (p_i · u_i), H·v = Φ̃ᵀ·S + l2·v. Float32
 * products (relative error ~1e-6), so iterative solvers can reach ~1e-5
 * residuals with it; headHessianVectorProduct is the float64 reference.
 * `hvpMany` does it for B vectors side by side: Φ̃·[V_1 … V_B] and
 * Φ̃ᵀ·[S_1 … S_B], one pair of matMuls for a whole batched solver iteration;
 * `dotsMany` gives g_i·x_b for every training sample i = r_i·(Φ̃_i·X_b) with
 * r_i = p_i − onehot(y_i), one matMul for all b.
 */
export function createFastHeadHvp(
  data: HeadData,
  shape: HeadShape,
  probs: Float64Array,
  l2: number,
): {
  hvp: (v: Float64Array) => Float64Array;
  hvpMany: (vs: readonly Float64Array[]) => Float64Array[];
  dotsMany: (xs: readonly Float64Array[]) => Float64Array[];
  dispose(): void;
} {
  const { numClasses: c } = shape;
  const d = shape.featureDim + 1;
  const n = data.n;
  const { phiTensor, phiTTensor } = biasedFeatureTensors(data, shape);
  /** [V_1 … V_B] as a d × (B·c) matrix: row j holds every vector's row j. */
  const sideBySide = (vs: readonly Float64Array[]) => {
    const count = vs.length;
    const out = new Float32Array(d * count * c);
    vs.forEach((v, b) => {
      if (v.length !== d * c) throw new Error(`vector has ${v.length} entries, the head ${d * c}`);
      for (let j = 0; j < d; j++) for (let k = 0; k < c; k++) out[(j * count + b) * c + k] = v[j * c + k];
    });
    return tf.tensor2d(out, [d, count * c]);
  };
  const hvpMany = (vs: readonly Float64Array[]): Float64Array[] => {
    const count = vs.length;
    if (count === 0) return [];
    const width = count * c;
    const u = readAndDispose(tf.tidy(() => tf.matMul(phiTensor, sideBySide(vs))));
    const s = new Float32Array(n * width);
    for (let i = 0; i < n; i++) {
      for (let b = 0; b < count; b++) {
        const o = i * width + b * c;
        let pu = 0;
        for (let k = 0; k < c; k++) pu += probs[i * c + k] * u[o + k];
        for (let k = 0; k < c; k++) s[o + k] = probs[i * c + k] * (u[o + k] - pu);
      }
    }
    const out = readAndDispose(tf.tidy(() => tf.matMul(phiTTensor, tf.tensor2d(s, [n, width]))));
    return vs.map((v, b) => {
      const hv = new Float64Array(d * c);
      for (let j = 0; j < d; j++)
        for (let k = 0; k < c; k++) hv[j * c + k] = out[j * width + b * c + k] + l2 * v[j * c + k];
      return hv;
    });
  };
  return {
    hvp: (v) => hvpMany([v])[0],
    hvpMany,
    dotsMany(xs) {
      const count = xs.length;
      if (count === 0) return [];
      const width = count * c;
      const u = readAndDispose(tf.tidy(() => tf.matMul(phiTensor, sideBySide(xs))));
      const out = xs.map(() => new Float64Array(n));
      for (let i = 0; i < n; i++) {
        const y = data.y[i];
        for (let b = 0; b < count; b++) {
          const o = i * width + b * c;
          let dotted = -u[o + y];
          for (let k = 0; k < c; k++) dotted += probs[i * c + k] * u[o + k];
          out[b][i] = dotted;
        }
      }
      return out;
    },
    dispose() {
      phiTensor.dispose();
      phiTTensor.dispose();
    },
  };
}
