/**
 * The factored damped Hessian of the softmax head, as everything after the polish uses it: the Cholesky factor of H′
 * (the Hessian in class-contrast coordinates, classContrasts.ts: P′ = D·(C − 1)) and H's eigenvalue l2 + δ along the
 * class sums, which together are all of H + δI. Exact influence whitens with `lower` directly (its gradients have no
 * class-sum part); a solve with a full head vector goes through headFactorSolve.
 */
import { unrolledCholeskySolve } from '../linalg/unrolledSolve';
import { solveThroughContrasts } from './classContrasts';
import type { HeadShape } from './softmaxHead';

export interface HeadFactor {
  /** L′ with L′L′ᵀ = H′ + δI, lower triangular (zeros above), row-major size × size, float64. */
  lower: Float64Array;
  /** P′ = D·(C − 1). */
  size: number;
  shape: HeadShape;
  /** l2 + δ: the damped Hessian's eigenvalue on every class-sum direction 1 ⊗ v. */
  classSumCurvature: number;
}

/** (H + δI)⁻¹v for a head vector v (length P = D·C). */
export function headFactorSolve(factor: HeadFactor, v: ArrayLike<number>): Float64Array {
  return solveThroughContrasts(v, factor.shape, factor.classSumCurvature, (reduced) =>
    unrolledCholeskySolve(factor.lower, factor.size, reduced),
  );
}
