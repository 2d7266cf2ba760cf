/**
 * Linear image ops in adjoint pairs, each the other's gradient, all computed
 * with fast forward kernels (Conv2D, ResizeNearestNeighbor, AvgPool — XNNPACK
 * on wasm). Because every gradient is again one of these ops, they can be
 * differentiated any number of times: Hessian-vector products through a CNN
 * work on every backend.
 *
 * Why not the stock routes: slicing a tensor on wasm copies the WHOLE input
 * each time (the kernel reads it through readSync), so nine shifted slices
 * for im2col cost nine full copies forward and backward; Conv2DBackpropInput
 * (the stock gradient of a fixed conv) is a slow reference loop on wasm; and
 * tf.max's gradient on 2×2 windows took ~130 ms per 128×28×28×8 batch.
 * Measured on the 2-core build machine: one epoch of the default [8, 16] CNN
 * on 8,000 MNIST digits went from ~30 s (slices + concat + tf.max) to ~5 s.
 */
import * as tf from '@tensorflow/tfjs-core';

type Unary = (x: tf.Tensor4D) => tf.Tensor4D;

/**
 * One-hot [3, 3, c, 9c] filter: output channel (di·3 + dj)·c + ch copies input
 * channel ch at offset (di − 1, dj − 1) — the row-major order of a
 * [3, 3, cin, cout] kernel, so patches·reshape(kernel, [9c, cout]) is the conv.
 */
function patchFilter(c: number): tf.Tensor4D {
  const out = 9 * c;
  const f = new Float32Array(9 * c * out);
  for (let row = 0; row < out; row++) f[row * out + row] = 1;
  return tf.tensor4d(f, [3, 3, c, out]);
}

/**
 * The adjoint of patchFilter's conv ("col2im"): output channel ch at (i, j)
 * sums patch entries (di, dj, ch) taken at (i − di + 1, j − dj + 1). As a
 * 'same' conv that is the filter flipped in space: tap (ei, ej) reads patch
 * slot (2 − ei, 2 − ej).
 */
function foldFilter(c: number): tf.Tensor4D {
  const inC = 9 * c;
  const f = new Float32Array(9 * inC * c);
  for (let ei = 0; ei < 3; ei++) {
    for (let ej = 0; ej < 3; ej++) {
      const slot = (2 - ei) * 3 + (2 - ej);
      for (let ch = 0; ch < c; ch++) f[((ei * 3 + ej) * inC + slot * c + ch) * c + ch] = 1;
    }
  }
  return tf.tensor4d(f, [3, 3, inC, c]);
}

const extractImpl = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor4D;
  return {
    value: tf.conv2d(x, patchFilter(x.shape[3]), 1, 'same'),
    gradFunc: (dy) => foldPatches3x3(dy as tf.Tensor4D),
  };
}) as Unary;

const foldImpl = tf.customGrad((...args) => {
  const p = args[0] as tf.Tensor4D;
  return {
    value: tf.conv2d(p, foldFilter(p.shape[3] / 9), 1, 'same'),
    gradFunc: (dy) => extractPatches3x3(dy as tf.Tensor4D),
  };
}) as Unary;

/** [b, h, w, c] → [b, h, w, 9c]: the zero-padded 3×3 neighbourhood of every pixel (im2col). */
export function extractPatches3x3(x: tf.Tensor4D): tf.Tensor4D {
  return extractImpl(x);
}

/** [b, h, w, 9c] → [b, h, w, c]: the adjoint (gradient) of extractPatches3x3. */
export function foldPatches3x3(patches: tf.Tensor4D): tf.Tensor4D {
  if (patches.shape[3] % 9 !== 0) throw new Error(`patch channels ${patches.shape[3]} are not a multiple of 9`);
  return foldImpl(patches);
}

const upsampleImpl = tf.customGrad((...args) => {
  const z = args[0] as tf.Tensor4D;
  return {
    // Nearest neighbour at exactly 2×: source index floor(i / 2).
    value: tf.image.resizeNearestNeighbor(z, [2 * z.shape[1], 2 * z.shape[2]], false, false),
    gradFunc: (dy) => sumPool2x2(dy as tf.Tensor4D),
  };
}) as Unary;

const sumPoolImpl = tf.customGrad((...args) => {
  const z = args[0] as tf.Tensor4D;
  return {
    // ×4 after /4 is exact in binary floating point.
    value: tf.mul(tf.avgPool(z, 2, 2, 'valid'), 4) as tf.Tensor4D,
    gradFunc: (dy) => upsample2x2(dy as tf.Tensor4D),
  };
}) as Unary;

/** [b, h, w, c] → [b, 2h, 2w, c], each value copied to its 2×2 block. */
export function upsample2x2(z: tf.Tensor4D): tf.Tensor4D {
  return upsampleImpl(z);
}

/** [b, 2h, 2w, c] → [b, h, w, c], the sum of each 2×2 block (adjoint of upsample2x2). */
export function sumPool2x2(z: tf.Tensor4D): tf.Tensor4D {
  if (z.shape[1] % 2 !== 0 || z.shape[2] % 2 !== 0)
    throw new Error(`sumPool2x2 needs even sizes, got ${z.shape[1]}×${z.shape[2]}`);
  return sumPoolImpl(z);
}
