/**
 * TracIn (Pruthi et al. 2020) over the last layer:
 *   tracin(i, t) = Σ_k η_k · g_t^(k) · g_i^(k)
 * with g^(k) the loss gradient w.r.t. the head at checkpoint k (each
 * checkpoint with its own body, hence its own features). No Hessian at all:
 * it follows the training trajectory instead of assuming an optimum, which
 * is why it stays usable where the Hessian is ill-behaved, and why its
 * numbers are not leave-one-out predictions (expect lower correlation with
 * retraining; its scale is η-dependent).
 * Positive = i helped t (the same sign convention as infl).
 */
import { throwIfAborted } from '../cancel';
import { type HeadData, headParameterCount, headProbabilities, perSampleGradients } from '../head/softmaxHead';
import { matMul, transpose } from '../linalg/matmul';
import { computeFeatures } from '../models/train';
import type { Checkpoint, TrainedNetwork } from '../models/types';
import { TopKTracker } from './topK';

export interface TracInInput {
  net: TrainedNetwork;
  checkpoints: Checkpoint[];
  trainX: Float32Array;
  trainY: Int32Array;
  testX: Float32Array;
  testY: Int32Array;
  topK: number;
  blockSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

interface CheckpointGradients {
  eta: number;
  train: HeadData;
  trainProbs: Float64Array;
  /** Test gradients, nTest × P. */
  testGradients: Float32Array;
}

export function computeTracIn(input: TracInInput): {
  selfInfluence: Float64Array;
  topK: TopKTracker;
  checkpoints: number;
} {
  const { net } = input;
  const shape = { featureDim: net.featureDim, numClasses: net.numClasses };
  const p = headParameterCount(shape);
  const nTrain = input.trainY.length;
  const nTest = input.testY.length;
  const perCheckpoint: CheckpointGradients[] = input.checkpoints.map((ck) => {
    throwIfAborted(input.signal);
    const at: TrainedNetwork = { ...net, body: ck.body, head: ck.head };
    const train: HeadData = { phi: computeFeatures(at, input.trainX, nTrain), y: input.trainY, n: nTrain };
    const test: HeadData = { phi: computeFeatures(at, input.testX, nTest), y: input.testY, n: nTest };
    const testGradients = new Float32Array(nTest * p);
    perSampleGradients(test, shape, headProbabilities(test, shape, ck.head), 0, nTest, testGradients);
    return { eta: ck.learningRate, train, trainProbs: headProbabilities(train, shape, ck.head), testGradients };
  });

  const selfInfluence = new Float64Array(nTrain);
  const tracker = new TopKTracker(nTest, Math.min(input.topK, nTrain));
  const blockSize = input.blockSize ?? 2048;
  const block = new Float32Array(Math.min(blockSize, nTrain) * p);
  for (let start = 0; start < nTrain; start += blockSize) {
    throwIfAborted(input.signal);
    const end = Math.min(start + blockSize, nTrain);
    const rows = end - start;
    const scores = new Float64Array(nTest * rows);
    for (const ck of perCheckpoint) {
      const gradients = block.subarray(0, rows * p);
      perSampleGradients(ck.train, shape, ck.trainProbs, start, end, gradients);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let q = r * p; q < (r + 1) * p; q++) s += gradients[q] * gradients[q];
        selfInfluence[start + r] += ck.eta * s;
      }
      if (nTest > 0) {
        const product = matMul(ck.testGradients, nTest, p, transpose(gradients, rows, p), rows);
        for (let q = 0; q < product.length; q++) scores[q] += ck.eta * product[q];
      }
    }
    for (let t = 0; t < nTest; t++) tracker.offerRow(t, start, scores, t * rows, rows);
    input.onProgress?.(end, nTrain);
  }
  return { selfInfluence, topK: tracker, checkpoints: perCheckpoint.length };
}
