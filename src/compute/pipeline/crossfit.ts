/**
 * k-fold cross-fitting: fold f's model is trained without fold f and
 * predicts it, so every training sample gets probabilities from a model that
 * never saw its label — the basis of confident learning.
 */
import { deriveSeed } from '../random';
import type { ModelConfig, TrainingData } from '../models/types';
import type { TrainDone, TrainTask } from '../parallel/messages';
import { stratifiedFolds } from './folds';

export function crossFitTasks(
  data: TrainingData,
  config: ModelConfig,
  folds: number,
  seed: number,
  backend?: TrainTask['backend'],
): { tasks: TrainTask[]; heldOut: Int32Array[] } {
  const assignment = stratifiedFolds(data.y, data.numClasses, folds, deriveSeed(seed, 'folds'));
  const tasks: TrainTask[] = [];
  const heldOut: Int32Array[] = [];
  for (let f = 0; f < folds; f++) {
    const inFold: number[] = [];
    const outOfFold: number[] = [];
    for (let i = 0; i < data.n; i++) (assignment[i] === f ? inFold : outOfFold).push(i);
    heldOut.push(Int32Array.from(inFold));
    // Rows, not copies: the worker gathers its fold from the shared features (see TrainTask.rows).
    tasks.push({
      type: 'train',
      taskId: f + 1,
      config: { ...config, seed: deriveSeed(seed, 'fold', f) },
      data,
      rows: Int32Array.from(outOfFold),
      evalRows: heldOut[f],
      backend,
    });
  }
  return { tasks, heldOut };
}

/** Scatters each fold model's held-out probabilities back to sample order (n × C, Float64). */
export function collectOutOfSample(
  results: TrainDone[],
  heldOut: Int32Array[],
  n: number,
  numClasses: number,
): Float64Array {
  const probs = new Float64Array(n * numClasses);
  results.forEach((result, f) => {
    const evalProbs = result.evalProbs;
    if (!evalProbs) throw new Error(`fold ${f} returned no held-out probabilities`);
    heldOut[f].forEach((i, r) => {
      for (let c = 0; c < numClasses; c++) probs[i * numClasses + c] = evalProbs[r * numClasses + c];
    });
  });
  return probs;
}
