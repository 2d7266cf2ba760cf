/**
 * Layer building blocks as pure functions of tensors whose gradients are
 * differentiable again on every backend (see ../tf/secondOrderGradients.ts
 * and ../tf/adjointOps.ts). The learnable part of a convolution is a plain
 * matMul (im2col): wasm has no Conv2DBackpropFilter and no backend
 * differentiates conv2d/maxPool twice.
 */
import * as tf from '@tensorflow/tfjs-core';
import { extractPatches3x3, upsample2x2 } from '../tf/adjointOps';

export type Activation = 'relu' | 'tanh' | 'sigmoid';

export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
  }
}

/** x·W + b for x [batch, in], W [in, out], b [out]. */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return tf.add(tf.matMul(x, kernel as tf.Tensor2D), bias);
}

/**
 * 3×3 convolution, stride 1, zero "same" padding, as im2col: the patches
 * (order: row offset, column offset, input channel — the row-major layout of
 * a [3, 3, cin, cout] kernel) times the kernel in one matMul.
 * x [b, h, w, cin] → [b, h, w, cout].
 */
export function conv3x3Same(x: tf.Tensor4D, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor4D {
  const [b, h, w, cin] = x.shape;
  const cout = (kernel as tf.Tensor4D).shape[3];
  const columns = tf.reshape(extractPatches3x3(x), [b * h * w, 9 * cin]) as tf.Tensor2D;
  const out = tf.add(tf.matMul(columns, tf.reshape(kernel, [9 * cin, cout]) as tf.Tensor2D), bias);
  return tf.reshape(out, [b, h, w, cout]);
}

/**
 * 2×2 max-pool, stride 2; odd trailing rows/columns are dropped (like "valid").
 *
 * The gradient goes to ONE element per window, the first maximum in
 * row-major order. Ties are common on real images (a flat background gives
 * four equal conv outputs), and tf.max's rule — every tied element gets the
 * full gradient — would count such windows up to four times.
 * Piecewise linear: its gradient is mask ⊙ upsample(dy) with a constant
 * mask, so it differentiates again through upsample2x2/sumPool2x2.
 */
export function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const h2 = Math.floor(h / 2);
  const w2 = Math.floor(w / 2);
  const even = h === 2 * h2 && w === 2 * w2 ? x : tf.slice(x, [0, 0, 0, 0], [b, 2 * h2, 2 * w2, c]);
  return maxPoolEven(even);
}

const maxPoolEven = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor4D;
  // The mask is only needed if a gradient is taken: build it lazily from x.
  (args[1] as tf.GradSaveFunc)([x]);
  return {
    value: tf.maxPool(x, 2, 2, 'valid'),
    gradFunc: (dy, saved) => {
      const input = saved[0] as tf.Tensor4D;
      const mask = tf.tensor4d(firstMaxMask(input.dataSync() as Float32Array, input.shape), input.shape);
      return tf.mul(mask, upsample2x2(dy as tf.Tensor4D));
    },
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

/** A 0/1 mask marking the first maximum (row-major) of each 2×2 window (even h, w). */
function firstMaxMask(x: Float32Array, shape: [number, number, number, number]): Float32Array {
  const [b, h, w, c] = shape;
  const h2 = h / 2;
  const w2 = w / 2;
  const mask = new Float32Array(x.length);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < h2; i++) {
      for (let j = 0; j < w2; j++) {
        const topLeft = ((n * h + 2 * i) * w + 2 * j) * c;
        const candidates = [topLeft, topLeft + c, topLeft + w * c, topLeft + w * c + c];
        for (let ch = 0; ch < c; ch++) {
          let best = candidates[0] + ch;
          for (let k = 1; k < 4; k++) if (x[candidates[k] + ch] > x[best]) best = candidates[k] + ch;
          mask[best] = 1;
        }
      }
    }
  }
  return mask;
}
