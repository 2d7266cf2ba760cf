/**
 * Whether the training of a fit is worth worker threads. A worker costs its
 * start before it trains anything: loading the 2 MB engine bundle, tfjs and
 * its wasm instance, then JIT-compiling tfjs's paths on its first task
 * (measured at load 5–6: 2.1–3.0 s from a bundled worker's creation to the
 * start of its first task, which then took twice as long as the later ones;
 * on the quiet benchmark machine the digits logreg, whose 6 models train in
 * about half a second on a warm thread, spent 1.0 s in the train stage with
 * two workers). The analysis thread has tfjs running already, so a job that
 * trains in about a second finishes sooner there than on two fresh threads,
 * and costs less CPU. Its tensors then pass through this thread's wasm heap,
 * which never shrinks: kept to small jobs, that stays small. The prediction
 * is rough on purpose: it only decides between one thread and two near that
 * second.
 */
import { trainsByHeadFit } from '../models/fitLogreg';
import type { TrainTask } from '../parallel/messages';
import { modelParameters } from './memoryEstimate';

/** Below this predicted training time on the analysis thread, training stays there (no worker thread). */
export const IN_PROCESS_BELOW_SECONDS = 1;

/** One Adam step through tfjs whatever its size: kernel dispatch, the gradient tape, the optimizer's updates. */
const SECONDS_PER_STEP = 1e-3;
/** Multiply-adds per second of the wasm matMul on the small shapes training uses (far below its large-shape peak). */
const FLOPS = 4e9;
/** L-BFGS iterations of a fold model's head refit (parallel/runTrainTask.ts caps them at 50). */
const REFIT_ITERATIONS = 30;
/**
 * L-BFGS iterations of a logistic regression's fit from zeros (models/fitLogreg.ts; measured 56–76 on digits,
 * 195–255 on 10k MNIST): the small tables this prediction decides on are the low end.
 */
const LOGREG_FIT_ITERATIONS = 80;
/** The head objective's softmax in JavaScript, per logit (two exponentials and the loop). */
const SECONDS_PER_LOGIT = 2e-8;

/** Predicted seconds one warm thread needs for a task (training, and a fold model's head refit). */
export function predictedTaskSeconds(task: TrainTask): number {
  const { config, data } = task;
  const { total: parameters, featureDim } = modelParameters({
    ...config,
    dims: data.dims,
    numClasses: data.numClasses,
    imageShape: data.imageShape,
  });
  const n = task.rows?.length ?? data.n;
  const c = data.numClasses;
  // One pass of the head objective: its two products and the softmax.
  const headPass = (4 * n * (featureDim + 1) * c) / FLOPS + n * c * SECONDS_PER_LOGIT;
  if (trainsByHeadFit(config, task.checkpoints)) return LOGREG_FIT_ITERATIONS * headPass;
  const batch = Math.max(1, Math.min(config.batchSize, n));
  const steps = Math.max(config.epochs, 1) * Math.ceil(n / batch);
  // Forward and backward through every parameter: about 6 flops per parameter and sample.
  const training = steps * (SECONDS_PER_STEP + (6 * parameters * batch) / FLOPS);
  const refits = task.evalRows !== undefined || task.evalX !== undefined;
  return training + (refits ? REFIT_ITERATIONS * headPass : 0);
}

/**
 * Threads to train `tasks` on: `requested` when the user chose (--workers), else one (this thread) when the
 * whole job is predicted to train within IN_PROCESS_BELOW_SECONDS, else `threadsAvailable`. The CNN always gets
 * the threads: its work is not counted by its parameters (a convolution reuses each weight at every position).
 */
export function trainingThreads(requested: number | undefined, tasks: TrainTask[], threadsAvailable: number): number {
  if (requested !== undefined || threadsAvailable <= 1) return threadsAvailable;
  if (tasks.some((t) => t.config.kind === 'cnn')) return threadsAvailable;
  const seconds = tasks.reduce((sum, t) => sum + predictedTaskSeconds(t), 0);
  return seconds < IN_PROCESS_BELOW_SECONDS ? 1 : threadsAvailable;
}
