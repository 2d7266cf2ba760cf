/**
 * Harmful and helpful training samples for the whole test set (issue 17):
 *
 *   T_i = Σ_t infl(i, t) = (Σ_t g_t)ᵀ H⁻¹ g_i
 *
 * the predicted change of the TOTAL test loss if training sample i were
 * removed and the head refitted (DESIGN.md §2's sign convention: positive =
 * i helps the test set, negative = i hurts it). Exact over the head: one
 * solve v = H⁻¹ Σ_t g_t in float64 (by the fit's Cholesky factor, else by
 * conjugate gradients on exact Hessian-vector products to a 1e-10 relative
 * residual), then T_i = g_iᵀ v for every i — O(n·P), no test × train matrix.
 *
 * "What if I remove these": removing a set S is predicted, to first order,
 * to change the total test loss by Σ_{i∈S} T_i; removeAndRetrain measures it
 * by refitting the head without S to convergence (the reliability check's
 * retrainer, reliability/retrain.ts) and recomputing the test loss and
 * accuracy.
 */
import { throwIfAborted } from '../cancel';
import {
  type HeadData,
  type HeadShape,
  headHessianVectorProduct,
  headLosses,
  headParameterCount,
  headProbabilities,
} from '../head/softmaxHead';
import { type HeadFactor, headFactorSolve } from '../head/headFactor';
import { retrainHead } from '../reliability/retrain';

export interface HeadState {
  train: HeadData;
  test: HeadData;
  shape: HeadShape;
  /** Head parameters at θ̂ (softmaxHead layout). */
  head: Float64Array;
  trainProbs: Float64Array;
  testProbs: Float64Array;
  /** λ of the summed objective. */
  l2: number;
  /** The damped Hessian factored (headFactor.ts), when the head was factored. */
  factor?: HeadFactor;
  /** δ added to the Hessian before factoring (0 without a factor). */
  damping: number;
  signal?: AbortSignal;
}

/** Σ over rows [0, n) of g_i = [φ_i, 1] ⊗ (p_i − e_{y_i}), float64. */
function summedGradient(data: HeadData, shape: HeadShape, probs: Float64Array): Float64Array {
  const { featureDim: f, numClasses: c } = shape;
  const out = new Float64Array(headParameterCount(shape));
  const r = new Float64Array(c);
  for (let i = 0; i < data.n; i++) {
    for (let k = 0; k < c; k++) r[k] = probs[i * c + k];
    r[data.y[i]] -= 1;
    for (let j = 0; j < f; j++) {
      const x = data.phi[i * f + j];
      if (x === 0) continue;
      for (let k = 0; k < c; k++) out[j * c + k] += x * r[k];
    }
    for (let k = 0; k < c; k++) out[f * c + k] += r[k];
  }
  return out;
}

/** Conjugate gradients on (H + δI) x = b with exact Hessian-vector products. */
function conjugateGradient(state: HeadState, b: Float64Array): Float64Array {
  const apply = (v: Float64Array) => {
    const hv = headHessianVectorProduct(state.train, state.shape, state.trainProbs, state.l2, v);
    for (let q = 0; q < v.length; q++) hv[q] += state.damping * v[q];
    return hv;
  };
  const dot = (a: Float64Array, c: Float64Array) => a.reduce((s, v, q) => s + v * c[q], 0);
  const x = new Float64Array(b.length);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  let rr = dot(r, r);
  const stop = 1e-20 * Math.max(rr, 1e-300);
  for (let it = 0; it < 10 * b.length && rr > stop; it++) {
    throwIfAborted(state.signal);
    const ap = apply(p);
    const alpha = rr / dot(p, ap);
    for (let q = 0; q < b.length; q++) {
      x[q] += alpha * p[q];
      r[q] -= alpha * ap[q];
    }
    const next = dot(r, r);
    for (let q = 0; q < b.length; q++) p[q] = r[q] + (next / rr) * p[q];
    rr = next;
  }
  return x;
}

/** T_i for every training sample (see the top); `solver` says how H⁻¹ was applied. */
export function totalTestInfluence(state: HeadState): { influence: Float64Array; solver: 'cholesky' | 'cg' } {
  const { train, shape } = state;
  const gTest = summedGradient(state.test, shape, state.testProbs);
  const solver = state.factor ? 'cholesky' : 'cg';
  const v = state.factor ? headFactorSolve(state.factor, gTest) : conjugateGradient(state, gTest);
  const { featureDim: f, numClasses: c } = shape;
  const influence = new Float64Array(train.n);
  const r = new Float64Array(c);
  for (let i = 0; i < train.n; i++) {
    for (let k = 0; k < c; k++) r[k] = state.trainProbs[i * c + k];
    r[train.y[i]] -= 1;
    let s = 0;
    for (let k = 0; k < c; k++) s += r[k] * v[f * c + k];
    for (let j = 0; j < f; j++) {
      const x = train.phi[i * f + j];
      if (x === 0) continue;
      let t = 0;
      for (let k = 0; k < c; k++) t += r[k] * v[j * c + k];
      s += x * t;
    }
    influence[i] = s;
  }
  return { influence, solver };
}

/** Training samples, most harmful first (most negative T_i); only those with T_i < 0. */
export function harmfulOrder(influence: Float64Array): number[] {
  return Array.from(influence.keys())
    .filter((i) => influence[i] < 0)
    .sort((a, b) => influence[a] - influence[b] || a - b);
}

/** Training samples, most helpful first (largest T_i); only those with T_i > 0. */
export function helpfulOrder(influence: Float64Array): number[] {
  return Array.from(influence.keys())
    .filter((i) => influence[i] > 0)
    .sort((a, b) => influence[b] - influence[a] || a - b);
}

/** k of the default "remove the most harmful" check: 1% of the training set, at least 1. */
export function defaultRemovalCount(nTrain: number): number {
  return Math.max(1, Math.round(0.01 * nTrain));
}

export interface RemovalCheck {
  removed: number[];
  /** Σ_{i∈S} T_i: predicted change of the total test loss. */
  predictedLossChange: number;
  /** Measured after refitting the head without S. */
  actualLossChange: number;
  /** Mean test loss before, predicted after, and measured after. */
  testLossBefore: number;
  predictedTestLossAfter: number;
  testLossAfter: number;
  /** Test accuracy before and after (NaN on an empty test set). */
  accuracyBefore: number;
  accuracyAfter: number;
  retrain: 'last-layer';
}

function accuracy(probs: Float64Array, y: Int32Array, c: number): number {
  let correct = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (probs[i * c + k] > probs[i * c + best]) best = k;
    if (best === y[i]) correct++;
  }
  return y.length ? correct / y.length : NaN;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

/** Refits the head without `removed` and compares the test loss with the prediction (see the top). */
export function removeAndRetrain(state: HeadState, influence: Float64Array, removed: number[]): RemovalCheck {
  const { shape, test } = state;
  const c = shape.numClasses;
  const m = Math.max(test.n, 1);
  // Up to 200 preconditioned steps (each one float64 gradient): a 1% group converges in well under that, while the
  // fallback refit rebuilds and refactors the Hessian (as long as the fit's own Hessian stage).
  const head = retrainHead(
    state.train,
    shape,
    state.l2,
    state.head,
    new Set(removed),
    state.factor !== undefined,
    state.factor,
    state.signal,
    200,
  );
  const after = headProbabilities(test, shape, head);
  const before = sum(headLosses(state.testProbs, test.y, c));
  const lossAfter = sum(headLosses(after, test.y, c));
  const predicted = removed.reduce((s, i) => s + influence[i], 0);
  return {
    removed,
    predictedLossChange: predicted,
    actualLossChange: lossAfter - before,
    testLossBefore: before / m,
    predictedTestLossAfter: (before + predicted) / m,
    testLossAfter: lossAfter / m,
    accuracyBefore: accuracy(state.testProbs, test.y, c),
    accuracyAfter: accuracy(after, test.y, c),
    retrain: 'last-layer',
  };
}
