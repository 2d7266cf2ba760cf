/**
 * The last layer at its optimum: features of the trained body, the head fitted
 * by L-BFGS to a tight gradient, then (when it is small enough to factor)
 * Newton-polished in float64, which also yields the Cholesky factor exact
 * influence needs. One function for the engine's fit() and the fidelity
 * study, so both judge the same head.
 */
import { throwIfAborted } from '../cancel';
import { fitHead } from '../head/fitHead';
import type { FactorInfo } from '../linalg/fastFactor';
import { polishHeadNewton } from '../head/polishHead';
import { type HeadData, type HeadShape, headParameterCount, headProbabilities } from '../head/softmaxHead';
import { computeFeatures } from '../models/train';
import type { TrainedNetwork, TrainingData } from '../models/types';

export interface FittedHead {
  /** The network with its head replaced by the optimum. */
  net: TrainedNetwork;
  shape: HeadShape;
  train: HeadData;
  test: HeadData;
  trainProbs: Float64Array;
  testProbs: Float64Array;
  /** Cholesky factor of the head's damped Hessian; undefined when the head has more than maxExactParameters. */
  factor?: Float64Array;
  /** How `factor` was computed (mixed precision or float64) and its measured deviation. */
  factorInfo?: FactorInfo;
  headDamping: number;
  headGradientNorm: number;
}

export interface HeadStageHooks {
  signal?: AbortSignal;
  /** Called as each step starts: 'features', 'fit', 'hessian'. */
  onStep?: (step: 'features' | 'fit' | 'hessian', parameters: number) => void;
  /** Called as each step ends: 'features', 'fitHead', 'hessian' (the results file's stage names). */
  onLap?: (stage: 'features' | 'fitHead' | 'hessian') => void;
  /** The Hessian's formation, block by block (polishHead.ts). */
  onHessianProgress?: (done: number, total: number, message: string) => void;
}

export function fitLastLayer(
  net: TrainedNetwork,
  trainData: TrainingData,
  testData: TrainingData,
  l2: number,
  maxExactParameters: number,
  hooks: HeadStageHooks = {},
): FittedHead {
  const shape: HeadShape = { featureDim: net.featureDim, numClasses: trainData.numClasses };
  const p = headParameterCount(shape);
  hooks.onStep?.('features', p);
  const inBatches = (x: Float32Array, n: number) => computeFeatures(net, x, n, undefined, undefined, hooks.signal);
  const train: HeadData = { phi: inBatches(trainData.x, trainData.n), y: trainData.y, n: trainData.n };
  const test: HeadData = { phi: inBatches(testData.x, testData.n), y: testData.y, n: testData.n };
  throwIfAborted(hooks.signal);
  hooks.onLap?.('features');

  hooks.onStep?.('fit', p);
  const lbfgs = fitHead(train, shape, l2, { init: net.head, meanGradTolerance: 1e-7, signal: hooks.signal });
  throwIfAborted(hooks.signal);
  hooks.onLap?.('fitHead');
  let head = lbfgs.head;
  let headGradientNorm = lbfgs.meanGradNorm;
  let trainProbs: Float64Array;
  let factor: Float64Array | undefined;
  let factorInfo: FactorInfo | undefined;
  let headDamping = 0;
  if (p <= maxExactParameters) {
    hooks.onStep?.('hessian', p);
    const polished = polishHeadNewton(train, shape, l2, lbfgs.head, {
      signal: hooks.signal,
      onProgress: hooks.onHessianProgress,
    });
    ({ head, probs: trainProbs, factor, factorInfo, damping: headDamping } = polished);
    headGradientNorm = polished.meanGradNorm;
    throwIfAborted(hooks.signal);
    hooks.onLap?.('hessian');
  } else {
    trainProbs = headProbabilities(train, shape, head);
  }
  const testProbs = headProbabilities(test, shape, head);
  return {
    net: { ...net, head },
    shape,
    train,
    test,
    trainProbs,
    testProbs,
    factor,
    ...(factorInfo ? { factorInfo } : {}),
    headDamping,
    headGradientNorm,
  };
}
