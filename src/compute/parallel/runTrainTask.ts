/**
 * What a worker does with a TrainTask, also callable in-process (one worker,
 * or when threads are unavailable): the same code path either way.
 */
import { fitHead, headStageTolerance } from '../head/fitHead';
import { initBackend } from '../tf/backend';
import { FOLD_MEAN_GRAD_TOLERANCE, fitLogisticRegression, trainsByHeadFit } from '../models/fitLogreg';
import { computeFeatures, predictProbabilities, trainNetwork } from '../models/train';
import type { TrainedNetwork, TrainingData, TrainProgress } from '../models/types';
import { retrainFullNetwork } from '../reliability/retrain';
import type { TrainTask, TrainDone } from './messages';

/**
 * The task's samples. With `rows`, y and n are the subset's while x stays the
 * shared full matrix, read by row index batch by batch: no thread copies its
 * fold (at 100,000 × 784 a copy is 300 MB per worker).
 */
function taskData(task: TrainTask): TrainingData {
  const { data, rows } = task;
  return rows ? { ...data, y: Int32Array.from(rows, (i) => data.y[i]), n: rows.length } : data;
}

/** A cross-fitting fold model (or a retraining) predicts held-out samples. */
function predicts(task: TrainTask): boolean {
  return task.evalX !== undefined || task.evalRows !== undefined;
}

/** Probabilities on the task's held-out samples: rows of the shared x, or samples passed by value. */
function heldOutProbabilities(net: TrainedNetwork, task: TrainTask): Float32Array | undefined {
  if (task.evalRows)
    return task.evalRows.length > 0
      ? predictProbabilities(net, task.data.x, task.evalRows.length, undefined, task.evalRows)
      : undefined;
  return task.evalX && task.evalN !== undefined && task.evalN > 0
    ? predictProbabilities(net, task.evalX, task.evalN)
    : undefined;
}

/**
 * Refits the head on the network's own (frozen) features to the optimum of
 * the regularised objective, as the main model's head is. Without it a
 * cross-fitting model is only as good as its Adam steps — for logistic
 * regression on a small table, 5 epochs are a handful of steps, and the
 * out-of-sample probabilities were close to random.
 */
function withFittedHead(net: TrainedNetwork, data: TrainingData, rows?: Int32Array): TrainedNetwork {
  const phi = computeFeatures(net, data.x, data.n, undefined, rows);
  const fit = fitHead(
    { phi, y: data.y, n: data.n },
    { featureDim: net.featureDim, numClasses: net.numClasses },
    data.n * net.config.weightDecay,
    {
      init: net.head,
      // Probabilities need the optimum only roughly (unlike influence): a loose
      // tolerance and an iteration cap keep this to a fraction of the training time.
      meanGradTolerance: 1e-5,
      maxIterations: 50,
    },
  );
  return { ...net, head: fit.head };
}

export async function runTrainTask(
  task: TrainTask,
  onProgress?: (p: TrainProgress) => void,
  signal?: AbortSignal,
): Promise<TrainDone> {
  const started = performance.now();
  const backend = await initBackend(task.backend);
  const data = taskData(task);
  let net: TrainedNetwork;
  if (task.retrain) {
    if (task.rows) throw new Error('a retrain task uses all rows of its data');
    net = retrainFullNetwork(task.retrain.start, data, task.retrain.l2, new Set(task.retrain.removed), { signal }).net;
  } else if (trainsByHeadFit(task.config, task.checkpoints)) {
    net = fitLogisticRegression(task.config, data, {
      rows: task.rows,
      signal,
      onProgress,
      meanGradTolerance: predicts(task)
        ? FOLD_MEAN_GRAD_TOLERANCE
        : // The head stage's own tolerance for this head: its fit then starts where this one stopped.
          headStageTolerance({ featureDim: data.dims, numClasses: data.numClasses }, task.headPolished === true),
    });
  } else {
    const trained = await trainNetwork(task.config, data, {
      onProgress,
      signal,
      checkpoints: task.checkpoints,
      rows: task.rows,
    });
    net = predicts(task) ? withFittedHead(trained, data, task.rows) : trained;
  }
  const evalProbs = heldOutProbabilities(net, task);
  return {
    type: 'trained',
    taskId: task.taskId,
    net,
    evalProbs,
    backend: backend.name,
    seconds: (performance.now() - started) / 1000,
  };
}
