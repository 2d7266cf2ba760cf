/**
 * The real softmax-head Hessian of a tiny blobs problem at its optimum, as a
 * dense matrix (headHessian: float32 blocks accumulated in float64) and as
 * the closed-form float64 HVP. Needs `await initBackend('wasm')` first.
 */
import { fitHead } from '../../../src/compute/head/fitHead';
import {
  headHessian,
  headHessianVectorProduct,
  headParameterCount,
  headProbabilities,
} from '../../../src/compute/head/softmaxHead';
import type { Hvp } from '../../../src/compute/solvers/types';
import { blobs } from '../../helpers/synthetic';

export interface HeadProblem {
  /** Parameter count P. */
  size: number;
  /** Dense P×P Hessian of the summed objective. */
  hessian: Float64Array;
  /** Closed-form H·v (float64 throughout). */
  hvp: Hvp;
}

export function headProblem(l2PerSample: number, seed = 5): HeadProblem {
  const shape = { featureDim: 4, numClasses: 3 };
  const train = blobs(60, shape.featureDim, shape.numClasses, seed, 0.1, 1.2);
  const l2 = train.n * l2PerSample;
  const fit = fitHead(train, shape, l2, { meanGradTolerance: 1e-9 });
  const probs = headProbabilities(train, shape, fit.head);
  return {
    size: headParameterCount(shape),
    hessian: headHessian(train, shape, probs, l2),
    hvp: (v) => headHessianVectorProduct(train, shape, probs, l2, v),
  };
}
