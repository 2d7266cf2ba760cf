/**
 * The last layer at its optimum: features of the trained body, the head fitted
 * by Newton–CG (L-BFGS below 768 parameters) to a tight gradient, then (when it is small enough to factor)
 * Newton-polished in float64, which also yields the Cholesky factor exact
 * influence needs. One function for the engine's fit() and the fidelity
 * study, so both judge the same head.
 */
import { throwIfAborted } from '../cancel';
import { fitHead, fitsByNewtonCg, headStageTolerance } from '../head/fitHead';
import type { FactorInfo } from '../linalg/fastFactor';
import { polishHeadNewton } from '../head/polishHead';
import type { HeadFactor } from '../head/headFactor';
import {
  expandFromFeatures,
  restrictToFeatures,
  selectFeatures,
  subsetShape,
  trainedFeatures,
} from '../head/featureSubset';
import { type HeadData, type HeadShape, headParameterCount, headProbabilities } from '../head/softmaxHead';
import { headDigest } from '../models/fitLogreg';
import { computeFeatures } from '../models/train';
import type { TrainedNetwork, TrainingData } from '../models/types';

/**
 * Whether the head stage polishes a head of `headParameters` in float64 and factors its Hessian (exact influence):
 * the full model's training asks for the same rule (fit.ts), so that its fit stops where this stage's starts.
 */
export function polishesHead(headParameters: number, maxExactParameters: number): boolean {
  return headParameters <= maxExactParameters;
}

export interface FittedHead {
  /** The network with its head replaced by the optimum. */
  net: TrainedNetwork;
  shape: HeadShape;
  train: HeadData;
  test: HeadData;
  trainProbs: Float64Array;
  testProbs: Float64Array;
  /**
   * The head's damped Hessian factored (in class-contrast coordinates: headFactor.ts); undefined when the head has more
   * than maxExactParameters.
   */
  factor?: HeadFactor;
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
  // From 768 parameters on (the mixed-precision factor's size) the polish reuses the factor of the Hessian formed
  // where L-BFGS stopped as long as it stays within η ≤ NEARBY_HESSIAN_TOLERANCE of the Hessian at the optimum
  // (polishHead.ts). Steps certified by the gradient (lbfgs.ts) take L-BFGS there instead of stalling where the
  // float32 value hides the decrease (26 classes × 16k: it stalled at a mean gradient of 3e-5 after 280 passes);
  // 1e-6 is close enough that one Newton step reaches the polish's 1e-9 and the move adds ~1e-5 to η, 50 passes
  // earlier than 1e-7. Without a polish the fit's own head is the answer: 1e-7 as before. These heads are fitted by
  // Newton–CG (fitHead.ts), which reaches either tolerance in a few steps where L-BFGS took hundreds of passes.
  const certifiedSteps = fitsByNewtonCg(shape);
  const polishes = polishesHead(p, maxExactParameters);
  const tolerance = headStageTolerance(shape, polishes);
  // A logistic regression's training was this very fit (fitLogreg.ts: the same objective, rows and L2, stopped at
  // this tolerance): its head is taken as it is. Fitting it again changed nothing and took ~0.5 s on 10k MNIST (the
  // objective's setup and one pass on this thread).
  const trained = net.headFit;
  const lbfgs =
    trained &&
    trained.n === train.n &&
    trained.l2 === l2 &&
    trained.meanGradNorm <= tolerance &&
    trained.digest === headDigest(net.head)
      ? { head: net.head, meanGradNorm: trained.meanGradNorm }
      : fitHead(train, shape, l2, {
          init: net.head,
          meanGradTolerance: tolerance,
          signal: hooks.signal,
          certifiedSteps,
          newtonCg: certifiedSteps,
        });
  throwIfAborted(hooks.signal);
  hooks.onLap?.('fitHead');
  let head = lbfgs.head;
  let headGradientNorm = lbfgs.meanGradNorm;
  let trainProbs: Float64Array;
  let factor: HeadFactor | undefined;
  let factorInfo: FactorInfo | undefined;
  let headDamping = 0;
  if (polishes) {
    hooks.onStep?.('hessian', p);
    // Over the features some training row uses (featureSubset.ts): the optimum is zero on the others' rows, where
    // the Hessian is l2 alone, so the polish, the Hessian and its factor cost what the used features do.
    const features = trainedFeatures(train, shape.featureDim);
    const covered = features
      ? {
          train: selectFeatures(train, shape.featureDim, features),
          shape: subsetShape(shape, features),
          head: restrictToFeatures(lbfgs.head, shape, features),
        }
      : { train, shape, head: lbfgs.head };
    const polished = polishHeadNewton(covered.train, covered.shape, l2, covered.head, {
      signal: hooks.signal,
      onProgress: hooks.onHessianProgress,
    });
    ({ probs: trainProbs, factorInfo, damping: headDamping } = polished);
    head = features ? expandFromFeatures(polished.head, shape, features) : polished.head;
    factor = features ? { ...polished.factor, shape, features } : polished.factor;
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
