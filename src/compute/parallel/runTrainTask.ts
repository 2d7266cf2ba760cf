/**
 * What a worker does with a TrainTask, also callable in-process (one worker,
 * or when threads are unavailable): the same code path either way.
 */
import { fitHead } from '../head/fitHead';
import { initBackend } from '../tf/backend';
import { computeFeatures, predictProbabilities, trainNetwork } from '../models/train';
import type { TrainedNetwork, TrainingData, TrainProgress } from '../models/types';
import { selectRows } from '../pipeline/folds';
import type { TrainTask, TrainDone } from './messages';

/** The task's training data and held-out samples, gathered here from the shared rows when the task names rows. */
function taskData(task: TrainTask): { data: TrainingData; evalX?: Float32Array; evalN?: number } {
  const { data, rows, evalRows } = task;
  const subset: TrainingData = rows
    ? { ...data, x: selectRows(data.x, data.dims, rows), y: Int32Array.from(rows, (i) => data.y[i]), n: rows.length }
    : data;
  if (evalRows) return { data: subset, evalX: selectRows(data.x, data.dims, evalRows), evalN: evalRows.length };
  return { data: subset, evalX: task.evalX, evalN: task.evalN };
}

/**
 * Refits the head on the network's own (frozen) features to the optimum of
 * the regularised objective, as the main model's head is. Without it a
 * cross-fitting model is only as good as its Adam steps — for logistic
 * regression on a small table, 5 epochs are a handful of steps, and the
 * out-of-sample probabilities were close to random.
 */
function withFittedHead(net: TrainedNetwork, data: TrainingData): TrainedNetwork {
  const phi = computeFeatures(net, data.x, data.n);
  const fit = fitHead({ phi, y: data.y, n: data.n }, { featureDim: net.featureDim, numClasses: net.numClasses }, data.n * net.config.weightDecay, {
    init: net.head,
    // Probabilities need the optimum only roughly (unlike influence): a loose
    // tolerance and an iteration cap keep this to a fraction of the training time.
    meanGradTolerance: 1e-5,
    maxIterations: 50,
  });
  return { ...net, head: fit.head };
}

export async function runTrainTask(
  task: TrainTask,
  onProgress?: (p: TrainProgress) => void,
  signal?: AbortSignal,
): Promise<TrainDone> {
  const started = performance.now();
  const backend = await initBackend(task.backend);
  const { data, evalX, evalN } = taskData(task);
  const trained = await trainNetwork(task.config, data, { onProgress, signal, checkpoints: task.checkpoints });
  const net = evalX ? withFittedHead(trained, data) : trained;
  const evalProbs = evalX && evalN !== undefined && evalN > 0 ? predictProbabilities(net, evalX, evalN) : undefined;
  return {
    type: 'trained',
    taskId: task.taskId,
    net,
    evalProbs,
    backend: backend.name,
    seconds: (performance.now() - started) / 1000,
  };
}
