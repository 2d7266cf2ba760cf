/**
 * What a worker does with a TrainTask, also callable in-process (one worker,
 * or when threads are unavailable): the same code path either way.
 */
import { initBackend } from '../tf/backend';
import { predictProbabilities, trainNetwork } from '../models/train';
import type { TrainTask, TrainDone } from './messages';
import type { TrainProgress } from '../models/types';

export async function runTrainTask(
  task: TrainTask,
  onProgress?: (p: TrainProgress) => void,
  signal?: AbortSignal,
): Promise<TrainDone> {
  const started = performance.now();
  const backend = await initBackend(task.backend);
  const net = await trainNetwork(task.config, task.data, { onProgress, signal, checkpoints: task.checkpoints });
  const evalProbs =
    task.evalX && task.evalN !== undefined && task.evalN > 0
      ? predictProbabilities(net, task.evalX, task.evalN)
      : undefined;
  return {
    type: 'trained',
    taskId: task.taskId,
    net,
    evalProbs,
    backend: backend.name,
    seconds: (performance.now() - started) / 1000,
  };
}
