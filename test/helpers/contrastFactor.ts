/**
 * A HeadFactor (head/headFactor.ts) from a full D·C × D·C damped Hessian formed by a test's own reference: H′ =
 * (I ⊗ Q′ᵀ)H(I ⊗ Q′) factored in float64, for code that takes the factor in class-contrast coordinates while the test
 * checks it against solves with the full matrix.
 */
import { expandHeadVector, projectHeadVector } from '../../src/compute/head/classContrasts';
import type { HeadFactor } from '../../src/compute/head/headFactor';
import type { HeadShape } from '../../src/compute/head/softmaxHead';
import { choleskyInPlace } from '../../src/compute/linalg/cholesky';

/** (I ⊗ Q′ᵀ)·H·(I ⊗ Q′) for the full symmetric H (row-major, D·C square). */
export function projectedHessian(hessian: Float64Array, shape: HeadShape): Float64Array {
  const p = (shape.featureDim + 1) * shape.numClasses;
  const pc = (shape.featureDim + 1) * (shape.numClasses - 1);
  const out = new Float64Array(pc * pc);
  const unit = new Float64Array(pc);
  for (let b = 0; b < pc; b++) {
    unit.fill(0);
    unit[b] = 1;
    const column = expandHeadVector(unit, shape);
    const hColumn = new Float64Array(p);
    for (let r = 0; r < p; r++) {
      let s = 0;
      for (let q = 0; q < p; q++) s += hessian[r * p + q] * column[q];
      hColumn[r] = s;
    }
    const reduced = projectHeadVector(hColumn, shape);
    for (let a = 0; a < pc; a++) out[a * pc + b] = reduced[a];
  }
  return out;
}

/** The HeadFactor of the full damped Hessian `hessian`, whose eigenvalue on the class sums is `classSumCurvature`. */
export function contrastFactorOf(hessian: Float64Array, shape: HeadShape, classSumCurvature: number): HeadFactor {
  const pc = (shape.featureDim + 1) * (shape.numClasses - 1);
  // choleskyInPlace reads the lower triangle and zeroes the upper one.
  const lower = projectedHessian(hessian, shape);
  if (!choleskyInPlace(lower, pc)) throw new Error('the projected Hessian is not positive definite');
  return { lower, size: pc, shape, classSumCurvature };
}
