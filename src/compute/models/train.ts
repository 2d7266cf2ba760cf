/**
 * Trains a network (body + softmax head) with minibatch Adam on
 *   mean_i CE(z_i, θ) + (weightDecay / 2)·‖θ‖²   over ALL parameters,
 * biases included. Deterministic: the seed fixes the initial weights
 * (deriveSeed(seed, 'init')) and the batch order (deriveSeed(seed, 'order')),
 * and the wasm/cpu kernels are deterministic, so the same seed and data give
 * bit-identical weights. Logistic regression can go through the same loop (its
 * body is empty: TracIn keeps its checkpoints), but the engine fits it by its
 * head alone (fitLogreg.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../cancel';
import { createRng, deriveSeed, permutation } from '../random';
import { initBackend } from '../tf/backend';
import { composeRows } from './batches';
import { createBody } from './body';
import { createDenseTrainer } from './denseTrainer';
import { glorotNormal, zeros } from './init';
import { joinHead } from './network';
import { createTapeTrainer } from './tapeTrainer';
import type { Checkpoint, ModelConfig, NamedArray, TrainedNetwork, TrainingData, TrainProgress } from './types';

export { computeFeatures, predictProbabilities } from './inference';
export { createFullObjective, type FullObjective } from './fullObjective';

export interface TrainOptions {
  /** Called after every epoch with the epoch's mean minibatch objective. */
  onProgress?: (progress: TrainProgress) => void;
  /** Checked between minibatches; an aborted signal raises CancelledError. */
  signal?: AbortSignal;
  /** Keep the weights after every epoch (for TracIn). */
  checkpoints?: boolean;
  /**
   * Sample k's features are row rows[k] of data.x (data.y and data.n describe
   * the samples; data.x may hold more rows). Lets a cross-fitting fold train
   * on the one shared feature matrix instead of a copy of its rows.
   */
  rows?: Int32Array;
  /**
   * Which trainer takes the Adam steps: 'tape' the general one (tfjs autodiff
   * + tf.train.adam), 'dense' the hand-written one for dense ReLU networks on
   * wasm (an error elsewhere). By default dense networks on wasm take
   * 'dense', which gives the same weights bit for bit (the tests compare them).
   */
  trainer?: 'tape' | 'dense';
}

/** The hidden widths when the network is dense ReLU layers (or none) under the softmax head, else undefined. */
function denseReluWidths(config: ModelConfig): readonly number[] | undefined {
  if (config.kind === 'logreg') return [];
  return config.kind === 'mlp' ? config.hidden : undefined;
}

export async function trainNetwork(
  config: ModelConfig,
  data: TrainingData,
  opts: TrainOptions = {},
): Promise<TrainedNetwork> {
  validateData(data, opts.rows);
  // Idempotent: returns the caller's earlier choice, or picks one if nobody did.
  await initBackend();
  const body = createBody(config, data.dims, data.imageShape);
  const { featureDim, shapes } = body;
  const numClasses = data.numClasses;

  const initRng = createRng(deriveSeed(config.seed, 'init'));
  const initial: NamedArray[] = [
    ...body.init(initRng),
    glorotNormal(initRng, 'head.kernel', [featureDim, numClasses], featureDim, numClasses),
    zeros('head.bias', [numClasses]),
  ];
  const batchSize = Math.max(1, Math.min(Math.floor(config.batchSize), data.n));
  const hidden = opts.trainer !== 'tape' && tf.getBackend() === 'wasm' ? denseReluWidths(config) : undefined;
  if (opts.trainer === 'dense' && !hidden)
    throw new Error(`the dense trainer needs an MLP or logreg on wasm, not ${config.kind} on ${tf.getBackend()}`);
  const trainer = hidden
    ? createDenseTrainer(initial, data, config, hidden, batchSize, opts.rows)
    : createTapeTrainer(body, initial, data, config);
  const orderRng = createRng(deriveSeed(config.seed, 'order'));

  const nBody = shapes.length;
  const snapshot = () => {
    const values = trainer.values();
    return {
      body: shapes.map((s, i): NamedArray => ({ name: s.name, shape: [...s.shape], data: values[i] })),
      head: joinHead(values[nBody], values[nBody + 1]),
    };
  };
  const checkpoints: Checkpoint[] = [];

  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const order = permutation(data.n, orderRng);
      const xOrder = opts.rows ? composeRows(opts.rows, order) : order;
      let objectiveSum = 0;
      for (let start = 0; start < data.n; start += batchSize) {
        throwIfAborted(opts.signal);
        const end = Math.min(data.n, start + batchSize);
        objectiveSum += trainer.step(xOrder, order, start, end) * (end - start);
        // Let a cancel message (or anything else queued) run between batches.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const loss = objectiveSum / data.n;
      if (!Number.isFinite(loss)) {
        throw new Error(
          `training diverged in epoch ${epoch + 1} (loss ${loss}); lower the ` +
            `learning rate (now ${config.learningRate})`,
        );
      }
      if (opts.checkpoints) checkpoints.push({ epoch: epoch + 1, learningRate: config.learningRate, ...snapshot() });
      opts.onProgress?.({ epoch: epoch + 1, epochs: config.epochs, loss });
    }

    const final = snapshot();
    return {
      config: { ...config, hidden: [...config.hidden], convChannels: [...config.convChannels] },
      dims: data.dims,
      numClasses,
      ...(data.imageShape ? { imageShape: [...data.imageShape] as [number, number, number] } : {}),
      body: final.body,
      featureDim,
      head: final.head,
      ...(opts.checkpoints ? { checkpoints } : {}),
    };
  } finally {
    trainer.dispose();
  }
}

export function validateData(data: TrainingData, rows?: Int32Array): void {
  if (!(data.n > 0)) throw new Error('cannot train on an empty dataset');
  if (rows) {
    const available = data.x.length / data.dims;
    if (rows.length !== data.n) throw new Error(`${rows.length} rows for n = ${data.n} samples`);
    for (const r of rows)
      if (!(r >= 0 && r < available)) throw new Error(`row ${r} is outside the ${available} rows of x`);
  } else if (data.x.length !== data.n * data.dims)
    throw new Error(`x has ${data.x.length} values, expected n·dims = ${data.n * data.dims}`);
  if (data.y.length !== data.n) throw new Error(`y has ${data.y.length} labels, expected ${data.n}`);
  if (!(data.numClasses >= 2)) throw new Error(`need at least 2 classes, got ${data.numClasses}`);
}
