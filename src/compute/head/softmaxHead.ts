/**
 * The convex softmax head: logits = [φ, 1]·W with W of shape D×C (D = F + 1,
 * the last row is the bias). Everything influence needs over the last layer
 * has a closed form here — probabilities, per-sample gradients, Hessian,
 * Hessian-vector products — so none of it goes through autodiff.
 *
 * Objective (summed convention of DESIGN.md §2):
 *   R(W) = Σ_i CE(softmax([φ_i,1]·W), y_i) + (l2 / 2)·‖W‖²,  l2 = n·weightDecay.
 * Parameter vector layout: index j·C + c is W[j][c] (row-major W).
 */
import type { Objective } from '../linalg/lbfgs';
import { addFeatureResidualProduct, headLogits } from './headProducts';
import { defaultThreads, type SplitProducts, withSplitProducts } from '../parallel/matrixHelper';
import { MIXED_PRECISION } from '../linalg/fastFactor';
import { type ClassRowsTask, classRowItems, formClassRows } from './hessianClassRows';
import { sharedClaims, stopClaims } from '../parallel/claims';
import { inSharedMemory } from '../sharedMemory';

/** Frozen features and labels of one split. */
export interface HeadData {
  /** Row-major n × F features φ (the body's output). */
  phi: Float32Array;
  y: Int32Array;
  n: number;
}

export interface HeadShape {
  /** F: feature width, without the bias column. */
  featureDim: number;
  numClasses: number;
}

export function headParameterCount(shape: HeadShape): number {
  return (shape.featureDim + 1) * shape.numClasses;
}

/**
 * Softmax probabilities for every sample, n × C in Float64. Computed in
 * double precision from float32 features because the gradients built from
 * them are summed over thousands of samples.
 */
export function headProbabilities(data: HeadData, shape: HeadShape, w: Float64Array): Float64Array {
  const c = shape.numClasses;
  // The logits, the bias first and then φ_ij · W[j, :] for j = 0, 1, … (headProducts.ts), turned into
  // probabilities row by row in place.
  const probs = headLogits(data, shape, w);
  for (let i = 0; i < data.n; i++) {
    const row = i * c;
    let max = -Infinity;
    for (let k = 0; k < c; k++) if (probs[row + k] > max) max = probs[row + k];
    let sum = 0;
    for (let k = 0; k < c; k++) {
      const e = Math.exp(probs[row + k] - max);
      probs[row + k] = e;
      sum += e;
    }
    for (let k = 0; k < c; k++) probs[row + k] /= sum;
  }
  return probs;
}

/** Cross-entropy of each sample, −log p(y_i). */
export function headLosses(probs: Float64Array, y: Int32Array, numClasses: number): Float64Array {
  const losses = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) losses[i] = -Math.log(Math.max(probs[i * numClasses + y[i]], 1e-300));
  return losses;
}

/** The summed objective R(W) and its gradient, for the optimiser. */
export function headObjective(data: HeadData, shape: HeadShape, l2: number): Objective {
  const c = shape.numClasses;
  return {
    evaluate(w: Float64Array, grad: Float64Array): number {
      const probs = headProbabilities(data, shape, w);
      let value = 0;
      for (let p = 0; p < w.length; p++) {
        value += 0.5 * l2 * w[p] * w[p];
        grad[p] = l2 * w[p];
      }
      for (let i = 0; i < data.n; i++) {
        const rowP = i * c;
        value -= Math.log(Math.max(probs[rowP + data.y[i]], 1e-300));
        probs[rowP + data.y[i]] -= 1; // now the residual p − onehot(y)
      }
      addFeatureResidualProduct(data, shape, probs, grad);
      return value;
    },
  };
}

/**
 * Per-sample loss gradients for samples [start, end): row r is
 * g_i = [φ_i, 1] ⊗ (p_i − onehot(y_i)), written as float32 into `out`
 * (length (end − start)·P). Regularisation is not part of g_i: removing a
 * sample removes only its loss term.
 */
export function perSampleGradients(
  data: HeadData,
  shape: HeadShape,
  probs: Float64Array,
  start: number,
  end: number,
  out: Float32Array,
): void {
  const { featureDim: f, numClasses: c } = shape;
  const p = (f + 1) * c;
  const residual = new Float64Array(c);
  for (let i = start; i < end; i++) {
    for (let k = 0; k < c; k++) residual[k] = probs[i * c + k];
    residual[data.y[i]] -= 1;
    const rowOut = (i - start) * p;
    const rowPhi = i * f;
    for (let j = 0; j < f; j++) {
      const v = data.phi[rowPhi + j];
      const base = rowOut + j * c;
      for (let k = 0; k < c; k++) out[base + k] = v * residual[k];
    }
    const base = rowOut + f * c;
    for (let k = 0; k < c; k++) out[base + k] = residual[k];
  }
}

/** Multiply-adds of forming the head's Hessian: n·D² for each of the C(C+1)/2 class pairs. */
export function headHessianMacs(n: number, shape: HeadShape): number {
  const d = shape.featureDim + 1;
  const c = shape.numClasses;
  return (n * d * d * c * (c + 1)) / 2;
}

/**
 * Most training rows one float32 product sums for a head of MIXED_PRECISION.minSize parameters or more; the sums of
 * these row ranges are added in float64. A float32 sum over all rows drifts with their count: at 26 classes × 16k
 * samples the Hessian so formed was η = ‖L⁻¹H L⁻ᵀ − I‖₂ = 1.6e-3 from the exact one (its float64 factor against
 * exact Hessian-vector products), ranges of 2000 rows 1.1e-4, at the same speed (the float64 sums are D² per
 * range). Smaller heads keep one range (their bytes predate this).
 */
const ROWS_PER_SUM = 2048;

/** Row ranges [start, end) of the Hessian's float32 sums: near-equal, at most ROWS_PER_SUM rows each. */
function hessianRowRanges(n: number, p: number): [number, number][] {
  const count = p >= MIXED_PRECISION.minSize ? Math.max(1, Math.ceil(n / ROWS_PER_SUM)) : 1;
  return Array.from({ length: count }, (_, k) => [Math.round((k * n) / count), Math.round(((k + 1) * n) / count)]);
}

/**
 * The Hessian of R at W, P × P in Float64:
 *   H[(j,c),(l,d)] = Σ_i φ̃_ij φ̃_il (p_ic δ_cd − p_ic p_id) + l2·δ.
 * Built block by block: block (c,d) is Φ̃ᵀ·diag(a_cd)·Φ̃, float32 matMuls on the fast backend (one per row
 * range, hessianRowRanges) added up in Float64 (C(C+1)/2 blocks); the blocks are independent, so with two
 * threads (`split`, parallel/matrixHelper.ts) each forms those it takes (hessianClassRows.ts) — the same bytes
 * either way. `onBlock(done, total)` follows the blocks: n·D²·C(C+1)/2 multiply-adds in all (headHessianMacs), the
 * largest single cost of a many-class head.
 */
export function headHessian(
  data: HeadData,
  shape: HeadShape,
  probs: Float64Array,
  l2: number,
  signal?: AbortSignal,
  onBlock?: (done: number, total: number) => void,
  split?: SplitProducts,
): Float64Array {
  return formHessian(data, shape, probs, l2, false, signal, onBlock, split);
}

/**
 * The Hessian H′ of R in class-contrast coordinates (classContrasts.ts), P′ × P′ with P′ = D·(C − 1):
 *   H′[(j,a),(l,b)] = Σ_i φ̃_ij φ̃_il A′_i,ab + l2·δ,
 * formed as headHessian forms H (the same row ranges, threads and float64 sums), over the (C − 1)C/2 contrast pairs.
 * With H's l2 + δ along the class sums it is all of H: what exact influence and the polish factor.
 */
export function headContrastHessian(
  data: HeadData,
  shape: HeadShape,
  probs: Float64Array,
  l2: number,
  signal?: AbortSignal,
  onBlock?: (done: number, total: number) => void,
  split?: SplitProducts,
): Float64Array {
  return formHessian(data, shape, probs, l2, true, signal, onBlock, split);
}

/** Multiply-adds of forming H′: n·D² for each of the (C − 1)C/2 contrast pairs. */
export function headContrastHessianMacs(n: number, shape: HeadShape): number {
  return headHessianMacs(n, { ...shape, numClasses: shape.numClasses - 1 });
}

function formHessian(
  data: HeadData,
  shape: HeadShape,
  probs: Float64Array,
  l2: number,
  contrasts: boolean,
  signal?: AbortSignal,
  onBlock?: (done: number, total: number) => void,
  split?: SplitProducts,
): Float64Array {
  if (!split) {
    const macs = contrasts ? headContrastHessianMacs(data.n, shape) : headHessianMacs(data.n, shape);
    // One item (a binary head's single contrast) is one thread's work: a helper would only be sent copies of Φ̃ and
    // Φ̃ᵀ (2·n·D floats: 164 MB for 20,000 embeddings of 1,024) and wait while this thread forms it. (The peak memory
    // stays: the issue searches grow the helper's heap as far later.)
    const items = classRowItems(contrasts ? shape.numClasses - 1 : shape.numClasses).length;
    return withSplitProducts(items > 1 ? defaultThreads(macs) : 1, (own) =>
      formHessian(data, shape, probs, l2, contrasts, signal, onBlock, own),
    );
  }
  const { featureDim: f } = shape;
  // The blocks' classes: the C − 1 contrasts, or the C classes.
  const c = contrasts ? shape.numClasses - 1 : shape.numClasses;
  const d = f + 1;
  const p = d * c;
  const n = data.n;
  // In shared memory on two threads: the polish factors it in place while the helper checks the factor
  // (linalg/fastFactor.ts), which needs both threads to see the one array.
  const hessian = split.parallel ? new Float64Array(new SharedArrayBuffer(8 * p * p)) : new Float64Array(p * p);
  const ranges = hessianRowRanges(n, p);
  // Per row range: Φ̃ᵀ (D × rows) and Φ̃ (rows × D), with the bias column of ones appended.
  ranges.forEach(([start, end], r) => {
    const rows = end - start;
    const phiT = new Float32Array(d * rows);
    const phi = new Float32Array(rows * d);
    for (let i = 0; i < rows; i++) {
      const from = (start + i) * f;
      for (let j = 0; j < f; j++) {
        const v = data.phi[from + j];
        phiT[j * rows + i] = v;
        phi[i * d + j] = v;
      }
      phiT[f * rows + i] = 1;
      phi[i * d + f] = 1;
    }
    split.put(`phiT${r}`, phiT, d, rows);
    split.put(`phi${r}`, phi, rows, d);
  });
  const task: ClassRowsTask = {
    hessian,
    // The helper reads the probabilities where they are (a copy in shared memory is n·C doubles).
    probs: split.parallel ? inSharedMemory(probs) : probs,
    ranges: ranges.flat(),
    phiT: ranges.map((_, r) => split.ref(`phiT${r}`)),
    phi: ranges.map((_, r) => split.ref(`phi${r}`)),
    featureDim: f,
    numClasses: shape.numClasses,
    ...(contrasts ? { contrasts } : {}),
    claims: sharedClaims(0, 2),
  };
  const pairs = (c * (c + 1)) / 2;
  const id = split.parallel ? split.post({ type: 'hessianRows', ...task }) : -1;
  // Rising counts only: this thread reports what both have formed after each of its items, and all at the end.
  let reported = 0;
  const report = (done: number) => {
    if (done > reported) onBlock?.(done, pairs);
    reported = Math.max(reported, done);
  };
  try {
    formClassRows(split.local, task, signal, report);
  } catch (error) {
    stopClaims(task.claims);
    split.abandon();
    throw error;
  }
  if (id >= 0) split.collect(id, signal);
  report(pairs);
  mirrorClassPairs(hessian, p, c);
  for (let q = 0; q < p; q++) hessian[q * p + q] += l2;
  return hessian;
}

/**
 * Sets H[r][s] = H[s][r] where r's class (index mod C) is above s's, or the same and r > s: a float32 block of one
 * class with itself is symmetric only to rounding, H exactly. Tile by tile, so reads and writes stay near.
 */
function mirrorClassPairs(h: Float64Array, p: number, c: number): void {
  const tile = 64;
  for (let r0 = 0; r0 < p; r0 += tile) {
    const r1 = Math.min(r0 + tile, p);
    for (let s0 = 0; s0 < p; s0 += tile) {
      const s1 = Math.min(s0 + tile, p);
      for (let r = r0; r < r1; r++) {
        const cr = r % c;
        for (let s = s0; s < s1; s++) {
          const cs = s % c;
          if (cs < cr || (cs === cr && s < r)) h[r * p + s] = h[s * p + r];
        }
      }
    }
  }
}

/**
 * H·v in closed form, without forming H: Φ̃ᵀ·S + l2·v with
 * S_i = p_i ⊙ u_i − p_i (p_i · u_i) and u_i = V ᵀφ̃_i. Costs two passes over
 * the features, through the tiled products of headProducts.ts (U = Φ̃·V as the logits, Φ̃ᵀ·S as the gradient): the
 * plain per-sample loops were 4× slower, and the η check of the polish takes twelve of these over all training rows.
 * Each sum adds the plain loops' terms in their order, so the bytes are theirs (bar the sign of an exact −0, as
 * headProducts.ts says). Used by iterative solvers when P is too large to factor.
 */
export function headHessianVectorProduct(
  data: HeadData,
  shape: HeadShape,
  probs: Float64Array,
  l2: number,
  v: Float64Array,
): Float64Array {
  const c = shape.numClasses;
  // U = Φ̃·V, turned into S row by row in place.
  const s = headLogits(data, shape, v);
  for (let i = 0; i < data.n; i++) {
    const row = i * c;
    let pu = 0;
    for (let k = 0; k < c; k++) pu += probs[row + k] * s[row + k];
    for (let k = 0; k < c; k++) s[row + k] = probs[row + k] * (s[row + k] - pu);
  }
  const out = new Float64Array(v.length);
  for (let q = 0; q < v.length; q++) out[q] = l2 * v[q];
  addFeatureResidualProduct(data, shape, s, out);
  return out;
}
