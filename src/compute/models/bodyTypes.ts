/**
 * The body contract's types, apart from body.ts: the model kinds implement
 * them and body.ts dispatches to the model kinds, so sharing one module made
 * an import loop.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random';
import type { ModelKind } from '../types';
import type { NamedArray } from './types';

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
