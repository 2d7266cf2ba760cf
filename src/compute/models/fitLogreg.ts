/**
 * Logistic regression's training. The model is only its softmax head on the raw features and the head's
 * regularised objective is convex, so training it IS fitting the head to the optimum from zeros (L-BFGS, or
 * Newton–CG for heads of 768+ parameters as in the head stage). Minibatch
 * Adam epochs were only a warm start for that fit, and a poor one: on the digits CSV (1,150-sample folds, 650
 * parameters) 5 epochs and a 50-iteration refit took 180–280 ms a fold and stopped at a mean gradient of 1e-5;
 * from zeros L-BFGS reaches 1e-6 in ~60 iterations, 45–80 ms once warm. On 10k MNIST (6,400-sample folds,
 * 7,850 parameters) the refit stopped at its iteration cap, at a mean gradient of 3e-3 to 7e-3 (the objective
 * 1.4–2.3 above the optimum); to 1e-6 takes ~200 iterations, 2.8–3.7 s a fold (the refit: 1.2–2.4 s).
 */
import { createHash } from 'node:crypto';
import { expandFromFeatures, subsetShape, trainedFeatures } from '../head/featureSubset';
import { fitHead, fitsByNewtonCg } from '../head/fitHead';
import { validateData, type TrainOptions } from './train';
import type { ModelConfig, TrainedNetwork, TrainingData } from './types';

/**
 * Mean-gradient tolerance of a cross-fitting fold model: its out-of-sample probabilities need the optimum only
 * roughly (influence needs it tighter: the full model goes on to the head stage's fit and Newton polish).
 */
export const FOLD_MEAN_GRAD_TOLERANCE = 1e-6;

/** The fingerprint of a head's values that a HeadFitRecord (models/types.ts) holds for. */
export function headDigest(head: Float64Array): string {
  return createHash('sha1')
    .update(new Uint8Array(head.buffer, head.byteOffset, head.byteLength))
    .digest('hex');
}

/**
 * Whether a model's training is its head fit (fitLogisticRegression) rather than Adam epochs (trainNetwork).
 * TracIn's checkpoints are the weights along Adam's path, so a run that keeps them trains by Adam.
 */
export function trainsByHeadFit(config: ModelConfig, checkpoints = false): boolean {
  return config.kind === 'logreg' && !checkpoints;
}

export function fitLogisticRegression(
  config: ModelConfig,
  data: TrainingData,
  opts: Pick<TrainOptions, 'rows' | 'signal' | 'onProgress'> & { meanGradTolerance: number },
): TrainedNetwork {
  if (config.kind !== 'logreg') throw new Error(`a ${config.kind} model is not fitted by its head alone`);
  validateData(data, opts.rows);
  const { dims, numClasses, n } = data;
  for (let i = 0; i < n; i++)
    if (!(data.y[i] >= 0 && data.y[i] < numClasses))
      throw new Error(`label ${data.y[i]} of sample ${i} is outside 0..${numClasses - 1}`);
  const l2 = n * config.weightDecay;
  const shape = { featureDim: dims, numClasses };
  // Over the features some row uses (head/featureSubset.ts): from zeros, the others' weights have gradient l2·0 and
  // never move, so the fit is the same and its products skip them (MNIST: 113 of 784 pixels, 14% of each product).
  // The fold's rows and those features are read in place into the backend's tensors (head/biasedFeatures.ts): the
  // thread holds no copy of them beside those.
  const features = trainedFeatures({ phi: data.x, y: data.y, n }, dims, opts.rows);
  const fit = fitHead(
    { features: { x: data.x, width: dims, n, rows: opts.rows, columns: features }, y: data.y, n },
    features ? subsetShape(shape, features) : shape,
    l2,
    {
      meanGradTolerance: opts.meanGradTolerance,
      signal: opts.signal,
      // The float32 products hide the objective's decrease near the optimum (~1e-6 relative): without steps the
      // gradient certifies, digits folds stalled at a mean gradient of 3e-6 to 1e-5, after 30 wasted evaluations.
      certifiedSteps: true,
      // L-BFGS from zeros took ~200 passes a fold on 10k MNIST (P = 7,850) to reach 1e-6. Chosen by the whole head,
      // as before the subset.
      newtonCg: fitsByNewtonCg(shape),
    },
  );
  const head = features ? expandFromFeatures(fit.head, shape, features) : fit.head;
  // Progress is counted in epochs (pipeline/fit.ts): the fit counts as all of them.
  opts.onProgress?.({ epoch: config.epochs, epochs: config.epochs, loss: fit.objective / n });
  return {
    config: { ...config, hidden: [...config.hidden], convChannels: [...config.convChannels] },
    dims,
    numClasses,
    ...(data.imageShape ? { imageShape: [...data.imageShape] as [number, number, number] } : {}),
    body: [],
    featureDim: dims,
    head,
    headFit: { n, l2, meanGradNorm: fit.meanGradNorm, digest: headDigest(head) },
  };
}
