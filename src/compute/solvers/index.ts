/** Inverse-Hessian-vector-product solvers that see H only through H·v (see each file for the details). */
export type { Hvp } from './types';
export {
  lastAxisNeuronParameters,
  selectNeuronParameters,
  sumAbsoluteColumns,
  type NeuronSelectionOptions,
} from './neuronSelection';
export {
  estimateSpectrum,
  lanczosEigen,
  type EigenPairs,
  type LanczosEigenOptions,
  type SpectrumEstimate,
  type SpectrumOptions,
} from './lanczosEigen';
export {
  lowRankInverseBilinearForm,
  lowRankInverseQuadraticForm,
  projectOntoEigenvectors,
  type LowRankOptions,
} from './lowRank';
export { DEFAULT_MIN_CURVATURE_RATIO, extraDamping } from './dampingPlan';
export { tridiagonalEigen, type TridiagonalEigen } from './tridiagonalEigen';
