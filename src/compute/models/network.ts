/**
 * The whole network as tensors: body weights (forward order) followed by the
 * softmax head's kernel W [F, C] and bias b [C]. This order is also the
 * layout of every flat parameter vector (see fullObjective.ts), so the last
 * (F + 1)·C entries of a flat vector are exactly TrainedNetwork.head.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createBody } from './body';
import type { BodyDefinition, TrainedNetwork } from './types';

/** logits = φ(x)·W + b, with params = [...body, W, b]. */
export function networkLogits(body: BodyDefinition, params: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  const nBody = body.shapes.length;
  const phi = body.features(params.slice(0, nBody), x);
  return tf.add(tf.matMul(phi, params[nBody] as tf.Tensor2D), params[nBody + 1]);
}

/** Σ over all parameters of θ², the weight-decay term without its factor. */
export function squaredNorm(params: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.addN(params.map((p) => tf.sum(tf.square(p)))) as tf.Scalar);
}

/** Splits a (F+1)×C head (last row = bias) into float32 kernel and bias. */
export function splitHead(
  head: Float64Array,
  featureDim: number,
  numClasses: number,
): { kernel: Float32Array; bias: Float32Array } {
  const expected = (featureDim + 1) * numClasses;
  if (head.length !== expected) throw new Error(`head has ${head.length} values, expected ${expected}`);
  return {
    kernel: Float32Array.from(head.subarray(0, featureDim * numClasses)),
    bias: Float32Array.from(head.subarray(featureDim * numClasses)),
  };
}

/** Joins kernel and bias into the (F+1)×C Float64 head layout. */
export function joinHead(kernel: ArrayLike<number>, bias: ArrayLike<number>): Float64Array {
  const head = new Float64Array(kernel.length + bias.length);
  head.set(kernel);
  head.set(bias, kernel.length);
  return head;
}

/** Rebuilds the body definition of a trained network and checks it fits. */
export function bodyOf(net: TrainedNetwork): BodyDefinition {
  const body = createBody(net.config, net.dims, net.imageShape);
  if (body.featureDim !== net.featureDim) {
    throw new Error(`network says featureDim ${net.featureDim}, its config gives ${body.featureDim}`);
  }
  if (body.shapes.length !== net.body.length) {
    throw new Error(`network has ${net.body.length} body arrays, its config needs ${body.shapes.length}`);
  }
  body.shapes.forEach((s, i) => {
    const got = net.body[i].shape.join('×');
    if (got !== s.shape.join('×'))
      throw new Error(`body weight ${s.name} has shape ${got}, expected ${s.shape.join('×')}`);
  });
  return body;
}

/** Fresh tensors [...body, W, b] for a trained network; the caller disposes them. */
export function networkTensors(net: TrainedNetwork): tf.Tensor[] {
  const { kernel, bias } = splitHead(net.head, net.featureDim, net.numClasses);
  return [
    ...net.body.map((a) => tf.tensor(a.data, a.shape)),
    tf.tensor2d(kernel, [net.featureDim, net.numClasses]),
    tf.tensor1d(bias),
  ];
}
