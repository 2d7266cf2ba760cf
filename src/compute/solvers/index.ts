/** Inverse-Hessian-vector-product solvers that see H only through H·v (see each file for the details). */
export type { Hvp, SampledHvp, SolveReport, SolveResult } from './types';
export { conjugateGradient, conjugateGradientMany, type CgOptions, type CgReport } from './conjugateGradient';
export { lissa, type LissaAdjustment, type LissaOptions, type LissaReport } from './lissa';
export {
  frozenSubsetSolve,
  generalizedInfluenceSolve,
  type GifReport,
  type SubsetSolveOptions,
} from './generalizedInfluence';
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
