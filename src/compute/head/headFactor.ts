/**
 * The factored damped Hessian of the softmax head, as everything after the polish uses it: the Cholesky factor of H′
 * (the Hessian in class-contrast coordinates, classContrasts.ts: P′ = D′·(C − 1)) over the features some training row
 * uses (featureSubset.ts), and H's eigenvalue l2 + δ along the class sums and along every other feature's row, which
 * together are all of H + δI. Exact influence whitens with `lower` directly, its data taken in the factor's
 * coordinates (factorCoordinates: the training gradients have no class-sum part and nothing on the dropped rows); a
 * solve with a full head vector goes through headFactorSolve.
 */
import { unrolledCholeskySolve } from '../linalg/unrolledSolve';
import { solveThroughContrasts } from './classContrasts';
import { expandFromFeatures, restrictToFeatures, selectFeatures, subsetShape } from './featureSubset';
import type { HeadData, HeadShape } from './softmaxHead';

export interface HeadFactor {
  /** L′ with L′L′ᵀ = H′ + δI, lower triangular (zeros above), row-major size × size, float64. */
  lower: Float64Array;
  /** P′ = D′·(C − 1), D′ the rows covered (the kept features and the bias). */
  size: number;
  /** The whole head's shape. */
  shape: HeadShape;
  /**
   * The features H′ covers (featureSubset.ts), increasing; absent: all of them. H is l2 + δ on the other features'
   * rows.
   */
  features?: Int32Array;
  /** l2 + δ: the damped Hessian's eigenvalue on every class-sum direction 1 ⊗ v, and on the rows not covered. */
  classSumCurvature: number;
}

/** The shape of the head the factor covers. */
export function factorShape(factor: HeadFactor): HeadShape {
  return factor.features ? subsetShape(factor.shape, factor.features) : factor.shape;
}

/** `data` in the factor's coordinates: only the features it covers. */
export function factorCoordinates(factor: HeadFactor, data: HeadData): HeadData {
  return factor.features ? selectFeatures(data, factor.shape.featureDim, factor.features) : data;
}

/** (H + δI)⁻¹v for a head vector v (length P = D·C). */
export function headFactorSolve(factor: HeadFactor, v: ArrayLike<number>): Float64Array {
  const solveCovered = (covered: ArrayLike<number>) =>
    solveThroughContrasts(covered, factorShape(factor), factor.classSumCurvature, (reduced) =>
      unrolledCholeskySolve(factor.lower, factor.size, reduced),
    );
  const { features, shape, classSumCurvature } = factor;
  if (!features) return solveCovered(v);
  // The rows not covered: H + δI is (l2 + δ)·I there; without curvature no loss depends on them (minimum norm: 0).
  const c = shape.numClasses;
  const rest = (row: number, k: number) => (classSumCurvature > 0 ? v[row * c + k] / classSumCurvature : 0);
  return expandFromFeatures(solveCovered(restrictToFeatures(v, shape, features)), shape, features, rest);
}
