/**
 * One-step Newton leave-one-out influence over the softmax head (Pregibon
 * 1981 for GLMs; Koh et al. 2019, "On the accuracy of influence functions
 * for measuring group effects").
 *
 * First-order influence (exactHeadInfluence.ts) predicts the parameter change
 * from removing sample i as Δθ_i ≈ H⁻¹ g_i, with H the Hessian of the FULL
 * objective. But without i the curvature is H − H_i: removing i also removes
 * its own curvature. One Newton step on the objective without i, taken from
 * θ̂ (where that objective's gradient is −g_i), gives
 *
 *   Δθ_i = (H − H_i)⁻¹ g_i,   predicted change of t's loss = g_tᵀ Δθ_i,
 *
 * in the same sign convention as infl(i, t) = g_tᵀ H⁻¹ g_i (DESIGN.md §2:
 * positive = removing i raises t's loss). For a GLM this is the leverage
 * correction: with one output (binary logistic regression) H_i = a_i x̃x̃ᵀ
 * and g_i ∝ x̃, so by Sherman–Morrison Δθ_i = H⁻¹g_i / (1 − h_ii), with the
 * leverage h_ii = a_i x̃ᵀH⁻¹x̃ ∈ [0, 1). On a nearly unregularised problem a
 * sample the fit leans on has h_ii close to 1 and the first-order estimate
 * is too small by the factor 1/(1 − h_ii); with C classes the scalar
 * becomes a C×C matrix, below.
 *
 * Structure of H_i: with x̃ = [φ_i, 1] and A_i = diag(p_i) − p_i p_iᵀ, in the
 * head's layout (index j·C + c) H_i = x̃x̃ᵀ ⊗ A_i. Because Σ p = 1,
 * A_i = B_i B_iᵀ with B_i = diag(√p) − p √pᵀ, so H_i = U Uᵀ with
 * U = x̃ ⊗ B_i (P × C, rank ≤ C − 1). Woodbury:
 *
 *   (H − UUᵀ)⁻¹ = H⁻¹ + H⁻¹U (I − UᵀH⁻¹U)⁻¹ UᵀH⁻¹.
 *
 * Whitening with the Cholesky factor H = L·Lᵀ (V = L⁻¹U, w = L⁻¹g) turns
 * everything into small products:
 *
 *   g_tᵀΔθ_i = w_tᵀw_i + (Vᵀw_t)ᵀ M⁻¹ (Vᵀw_i),   M = I − VᵀV  (C × C).
 *
 * M's eigenvalues are 1 − (the leverages of sample i's C output directions);
 * M is positive definite whenever H − H_i is. Cost per training sample: C + 1
 * triangular solves, O(P²C), so this runs on a chosen list of samples, not
 * on all of them. Float64 throughout.
 *
 * It lives in the study, not the engine (issue 14): it is the study's
 * reference for how far first-order influence is from leave-one-out on
 * convex heads, and no user-facing estimator calls it. As an estimator it
 * would score every training sample: O(n·P²·C), C times the whole exact
 * influence stage, for a gain the study finds only on nearly unregularized
 * logistic heads.
 */
import { choleskyInPlace, choleskySolve, solveLower, solveUpperTransposed } from '../../src/compute/linalg/cholesky';
import { throwIfAborted } from '../../src/compute/cancel';
import type { HeadData, HeadShape } from '../../src/compute/head/softmaxHead';
import type { ExactInfluenceInput } from '../../src/compute/influence/exactHeadInfluence';
import { expandHeadVector, projectHeadVector } from '../../src/compute/head/classContrasts';

/** The head, its probabilities and its Hessian factor, as exact influence takes them. */
export interface NewtonStepInput extends Pick<
  ExactInfluenceInput,
  'train' | 'test' | 'shape' | 'trainProbs' | 'testProbs' | 'factor' | 'signal'
> {
  /** Training samples to score. */
  trainIds: readonly number[];
  /** Test samples to score (default: all). */
  testIds?: readonly number[];
  /** Also return each training sample's parameter step Δθ_i (one more triangular solve each). */
  steps?: boolean;
}

export interface NewtonStepScores {
  trainIds: number[];
  testIds: number[];
  /** g_tᵀ(H − H_i)⁻¹g_i, row-major trainIds.length × testIds.length. */
  newton: Float64Array;
  /** g_tᵀH⁻¹g_i for the same pairs (the first-order estimate, for comparison). */
  firstOrder: Float64Array;
  /**
   * Per training sample, the effective leverage h_i = 1 − s_i / s̃_i from the self-influences
   * s_i = g_iᵀH⁻¹g_i and s̃_i = g_iᵀ(H − H_i)⁻¹g_i: the Newton self-influence is the first-order
   * one scaled by 1/(1 − h_i). With two classes this is exactly the GLM leverage uᵀH⁻¹u (H_i = uuᵀ)
   * and every Newton score of i is its first-order score × 1/(1 − h_i). 0 ≤ h_i < 1; 0 when g_i = 0.
   */
  leverage: Float64Array;
  /**
   * With `steps`: Δθ_i = (H − H_i)⁻¹g_i per training sample (the parameters without i are about
   * θ̂ + Δθ_i), so a caller can evaluate the test loss there instead of its linear change g_tᵀΔθ_i.
   */
  steps?: Float64Array[];
}

/** x̃ = [φ_i, 1] in Float64. */
function augmentedFeatures(data: HeadData, featureDim: number, i: number): Float64Array {
  const x = new Float64Array(featureDim + 1);
  for (let j = 0; j < featureDim; j++) x[j] = data.phi[i * featureDim + j];
  x[featureDim] = 1;
  return x;
}

/** g_i = x̃ ⊗ (p_i − onehot(y_i)) in the head's layout, Float64. */
export function sampleGradient(data: HeadData, shape: HeadShape, probs: Float64Array, i: number): Float64Array {
  const c = shape.numClasses;
  const x = augmentedFeatures(data, shape.featureDim, i);
  const residual = probs.slice(i * c, (i + 1) * c);
  residual[data.y[i]] -= 1;
  return kron(x, residual, c);
}

/** x ⊗ v as a flat vector: entry j·C + c is x_j·v_c. */
function kron(x: Float64Array, v: ArrayLike<number>, c: number): Float64Array {
  const out = new Float64Array(x.length * c);
  for (let j = 0; j < x.length; j++) for (let k = 0; k < c; k++) out[j * c + k] = x[j] * v[k];
  return out;
}

/**
 * The C columns of U with H_i = U·Uᵀ: column k is x̃ ⊗ B[:, k] where
 * B = diag(√p) − p·√pᵀ, i.e. B[c][k] = √p_k (δ_ck − p_c).
 */
export function sampleHessianRoot(data: HeadData, shape: HeadShape, probs: Float64Array, i: number): Float64Array[] {
  const c = shape.numClasses;
  const x = augmentedFeatures(data, shape.featureDim, i);
  const p = probs.subarray(i * c, (i + 1) * c);
  const columns: Float64Array[] = [];
  const b = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const root = Math.sqrt(p[k]);
    for (let cc = 0; cc < c; cc++) b[cc] = root * ((cc === k ? 1 : 0) - p[cc]);
    columns.push(kron(x, b, c));
  }
  return columns;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let q = 0; q < a.length; q++) s += a[q] * b[q];
  return s;
}

/** Vᵀw for whitened columns V. */
function project(columns: Float64Array[], w: Float64Array): Float64Array {
  return Float64Array.from(columns, (v) => dot(v, w));
}

/** M = I − VᵀV (C × C, symmetric). */
function woodburyCore(columns: Float64Array[]): Float64Array {
  const c = columns.length;
  const m = new Float64Array(c * c);
  for (let a = 0; a < c; a++) {
    for (let b = a; b < c; b++) {
      const value = (a === b ? 1 : 0) - dot(columns[a], columns[b]);
      m[a * c + b] = value;
      m[b * c + a] = value;
    }
  }
  return m;
}

export function computeNewtonStepInfluence(input: NewtonStepInput): NewtonStepScores {
  const { train, test, shape, factor } = input;
  const c = shape.numClasses;
  const p = (shape.featureDim + 1) * c;
  // The factor is H′'s, in class-contrast coordinates (classContrasts.ts): g_i and the columns of H_i's root have no
  // class-sum part, so H and H − H_i act on them as H′ and H′ − H′_i do, and every whitened vector is L′⁻¹Q′ᵀv.
  const whiten = (v: Float64Array) => solveLower(factor.lower, factor.size, projectHeadVector(v, shape));
  const trainIds = [...input.trainIds];
  const testIds = input.testIds ? [...input.testIds] : Array.from({ length: test.n }, (_, t) => t);

  // w_t = L⁻¹ g_t, once per test sample.
  const whitenedTests = testIds.map((t) => whiten(sampleGradient(test, shape, input.testProbs, t)));

  const newton = new Float64Array(trainIds.length * testIds.length);
  const firstOrder = new Float64Array(trainIds.length * testIds.length);
  const leverage = new Float64Array(trainIds.length);
  const steps: Float64Array[] | undefined = input.steps ? [] : undefined;
  trainIds.forEach((i, r) => {
    throwIfAborted(input.signal);
    const wi = whiten(sampleGradient(train, shape, input.trainProbs, i));
    const v = sampleHessianRoot(train, shape, input.trainProbs, i).map(whiten);
    const m = woodburyCore(v);
    if (!choleskyInPlace(m, c)) {
      // H − H_i is not positive definite: removing i leaves a direction with no curvature
      // (possible only without weight decay or damping). The one-step estimate is undefined.
      leverage[r] = 1;
      for (let k = 0; k < testIds.length; k++) {
        newton[r * testIds.length + k] = NaN;
        firstOrder[r * testIds.length + k] = dot(whitenedTests[k], wi);
      }
      steps?.push(new Float64Array(p).fill(NaN));
      return;
    }
    // z = M⁻¹ Vᵀw_i, then each test: w_tᵀw_i + (Vᵀw_t)·z.
    const vwi = project(v, wi);
    const z = choleskySolve(m, c, vwi);
    const self = dot(wi, wi);
    const newtonSelf = self + dot(vwi, z);
    leverage[r] = newtonSelf > 0 ? 1 - self / newtonSelf : 0;
    whitenedTests.forEach((wt, k) => {
      const first = dot(wt, wi);
      firstOrder[r * testIds.length + k] = first;
      newton[r * testIds.length + k] = first + dot(project(v, wt), z);
    });
    if (steps) {
      // Δθ_i = H⁻¹g_i + H⁻¹U M⁻¹ UᵀH⁻¹g_i = (I ⊗ Q′)L′⁻ᵀ(w_i + V z).
      const whitened = Float64Array.from(wi);
      v.forEach((col, k) => {
        for (let q = 0; q < factor.size; q++) whitened[q] += col[q] * z[k];
      });
      steps.push(expandHeadVector(solveUpperTransposed(factor.lower, factor.size, whitened), shape));
    }
  });
  return { trainIds, testIds, newton, firstOrder, leverage, ...(steps ? { steps } : {}) };
}
