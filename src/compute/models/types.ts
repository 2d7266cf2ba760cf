/**
 * The model contract. Every model is a *body* (a feature map φ, identity for
 * logistic regression) followed by a convex softmax *head*. Influence over
 * the last layer works on the head alone, with φ frozen; full-network
 * methods use the body's weight tensors too.
 *
 * Everything here is plain data (typed arrays), so a trained network can
 * cross a worker_threads boundary or be written to a cache.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random';
import type { ModelKind } from '../types';

export interface ModelConfig {
  kind: ModelKind;
  /** Hidden layer widths of the MLP body (ignored by logreg; the CNN's dense layer width is hidden[0]). */
  hidden: number[];
  /** CNN conv channels per conv block (each block: 3×3 conv, ReLU, 2×2 max-pool). */
  convChannels: number[];
  /**
   * Weight decay in the mean-loss convention: the objective is
   * mean_i L(z_i, θ) + (weightDecay / 2)·‖θ‖². Biases are decayed too, which
   * keeps the head's Hessian positive definite.
   */
  weightDecay: number;
  /** Epochs of minibatch Adam for the body (logreg: unused, its head is fitted exactly). */
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seeds weight initialisation and batch order: the same seed gives the same numbers. */
  seed: number;
}

/** A named weight array with its shape (row-major). */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface TrainingData {
  /** Row-major n × dims. */
  x: Float32Array;
  y: Int32Array;
  n: number;
  dims: number;
  numClasses: number;
  /** [height, width, channels] when the features are an image (required by the CNN). */
  imageShape?: [number, number, number];
}

export interface TrainedNetwork {
  config: ModelConfig;
  dims: number;
  numClasses: number;
  imageShape?: [number, number, number];
  /** Body weights in forward order (empty for logreg). */
  body: NamedArray[];
  /** Width of φ(x), the head's input (dims for logreg). */
  featureDim: number;
  /**
   * Head weights, row-major (featureDim + 1) × numClasses; the last row is the
   * bias: logits = [φ(x), 1] · head.
   */
  head: Float64Array;
  /** Per-epoch weights, when training was asked to keep them. */
  checkpoints?: Checkpoint[];
  /** Set when training was a fit of the head itself to a tolerance (a logistic regression: fitLogreg.ts). */
  headFit?: HeadFitRecord;
}

/**
 * How a head was fitted: on `n` rows with L2 `l2`, stopped at mean gradient norm `meanGradNorm` (‖∇R‖₂ / n). The
 * head stage (pipeline/headStage.ts) takes such a head as it is when it was fitted on the same rows and L2 to its own
 * tolerance, instead of fitting it again. `digest` (headDigest) ties the record to the head's values: a network
 * copied with another head (`{ ...net, head }`) carries a record that no longer holds, and it is not used.
 */
export interface HeadFitRecord {
  n: number;
  l2: number;
  meanGradNorm: number;
  digest: string;
}

/** The weights at the end of one epoch, kept for TracIn (Pruthi et al. 2020). */
export interface Checkpoint {
  epoch: number;
  /** The step size in force during the epoch that ended here (TracIn's η_k). */
  learningRate: number;
  body: NamedArray[];
  head: Float64Array;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  loss: number;
}

/*
 * The body contract: each model kind (cnn.ts, mlp.ts, logreg.ts) implements it and body.ts dispatches to them,
 * so it lives here, apart from both.
 */

export interface ParamShape {
  name: string;
  shape: number[];
}

export interface BodyDefinition {
  readonly kind: ModelKind;
  /** Width of φ(x). */
  readonly featureDim: number;
  /** Body weights in forward order (empty for logistic regression). */
  readonly shapes: readonly ParamShape[];
  /** Seeded initial values, one per entry of `shapes`, same order. */
  init(rng: Rng): NamedArray[];
  /**
   * φ for a batch x [batch, dims]; `params` are the body weights in `shapes`
   * order. Must be differentiable twice (see ../tf/secondOrderGradients.ts).
   */
  features(params: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D;
}
