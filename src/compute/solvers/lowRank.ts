/**
 * Low-rank influence when P is too large to factor H (Schioppa et al. 2022,
 * "Scaling up influence functions"): keep the top-k eigenpairs (λⱼ, vⱼ) of H
 * from lanczosEigen and replace H⁻¹ by its restriction to their span,
 *
 *   gᵀ(H + δI)⁻¹g  ≈  Σⱼ (vⱼᵀg)² / (λⱼ + δ).
 *
 * What is dropped: everything of g outside span{v₁…v_k}. Even the rank-k
 * model H_k = VΛVᵀ would add ‖g − VVᵀg‖²/δ for that part (H_k is 0 there);
 * the projection drops it on purpose, because those are the directions of
 * small or unknown curvature whose 1/δ weight would otherwise swamp the
 * estimate with whatever δ happens to be. Pass `includeComplement: true` to
 * get the exact gᵀ(H_k + δI)⁻¹g instead. The result is therefore NOT an
 * approximation of the full self-influence that improves monotonically
 * with k: it ranks samples by their weight on the dominant curvature
 * directions, which is what Schioppa et al. found useful at scale.
 */
import type { EigenPairs } from './lanczosEigen';
import { matMul } from '../linalg/matmul';
import { dot } from './vectors';

export interface LowRankOptions {
  /** Add ‖g − VVᵀg‖²/δ, the complement term of the rank-k-plus-damping model (needs δ > 0). Default false. */
  includeComplement?: boolean;
}

/** Coefficients cⱼ = vⱼᵀg: compute once per sample, then every form below is O(k). */
export function projectOntoEigenvectors(eig: Pick<EigenPairs, 'vectors'>, g: Float64Array): Float64Array {
  return Float64Array.from(eig.vectors, (v) => dot(v, g));
}

function inverseWeights(values: Float64Array, damping: number): Float64Array {
  return Float64Array.from(values, (lambda) => {
    const shifted = lambda + damping;
    if (!(shifted > 0)) {
      throw new Error(
        `eigenvalue ${lambda} + damping ${damping} ≤ 0: the low-rank model is ` +
          `not positive definite, raise the damping above ${-lambda}`,
      );
    }
    return 1 / shifted;
  });
}

/**
 * aᵀ(H_k + δI)⁻¹b in the projected sense above: the low-rank influence
 * infl(i, t) = g_tᵀ H⁻¹ g_i with a = g_t, b = g_i (DESIGN.md §2 sign convention).
 */
export function lowRankInverseBilinearForm(
  eig: Pick<EigenPairs, 'values' | 'vectors'>,
  damping: number,
  a: Float64Array,
  b: Float64Array,
  options: LowRankOptions = {},
): number {
  const weights = inverseWeights(eig.values, damping);
  const ca = projectOntoEigenvectors(eig, a);
  const cb = a === b ? ca : projectOntoEigenvectors(eig, b);
  let value = 0;
  for (let j = 0; j < weights.length; j++) value += ca[j] * cb[j] * weights[j];
  if (options.includeComplement) {
    if (!(damping > 0)) throw new Error('the complement term needs damping > 0');
    // (a − VVᵀa)ᵀ(b − VVᵀb) = aᵀb − Σ cₐⱼ·c_bⱼ for orthonormal V.
    let projected = 0;
    for (let j = 0; j < ca.length; j++) projected += ca[j] * cb[j];
    value += (dot(a, b) - projected) / damping;
  }
  return value;
}

/** gᵀ(H_k + δI)⁻¹g: the low-rank self-influence of a sample with loss gradient g. */
export function lowRankInverseQuadraticForm(
  eig: Pick<EigenPairs, 'values' | 'vectors'>,
  damping: number,
  g: Float64Array,
  options: LowRankOptions = {},
): number {
  return lowRankInverseBilinearForm(eig, damping, g, g, options);
}

/**
 * gᵢᵀ(H_k + δI)⁻¹gᵢ for a block of samples at once: the projections C = G·V
 * (rows × k) as one float32 matMul instead of rows·k float64 dot products
 * (issue 18 item 2: 18× in the prototype). The gradients arrive in float32
 * (perSampleGradients) and ‖gᵢ‖² is summed in float64; the float32 products
 * bound the difference from lowRankInverseQuadraticForm by about 1e-6 of each
 * term (test/unit/solvers/lowRankBatch.test.ts).
 */
export function lowRankSelfInfluenceBlock(
  eig: Pick<EigenPairs, 'values' | 'vectors'>,
  damping: number,
  gradients: Float32Array,
  rows: number,
  basisT: Float32Array,
  options: LowRankOptions = {},
): Float64Array {
  const weights = inverseWeights(eig.values, damping);
  const k = weights.length;
  const p = rows > 0 ? gradients.length / rows : 0;
  const projections = matMul(gradients, rows, p, basisT, k);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let value = 0;
    let projected = 0;
    for (let j = 0; j < k; j++) {
      const c = projections[r * k + j];
      value += c * c * weights[j];
      projected += c * c;
    }
    if (options.includeComplement) {
      if (!(damping > 0)) throw new Error('the complement term needs damping > 0');
      let norm = 0;
      for (let q = r * p; q < (r + 1) * p; q++) norm += gradients[q] * gradients[q];
      value += (norm - projected) / damping;
    }
    out[r] = value;
  }
  return out;
}

/** Vᵀ as a P × k float32 matrix (row q holds the q-th entry of every eigenvector), for lowRankSelfInfluenceBlock. */
export function eigenBasisTransposed(eig: Pick<EigenPairs, 'vectors'>, p: number): Float32Array {
  const k = eig.vectors.length;
  const out = new Float32Array(p * k);
  eig.vectors.forEach((v, j) => {
    for (let q = 0; q < p; q++) out[q * k + j] = v[q];
  });
  return out;
}
