/**
 * Small image CNN: conv blocks (3×3 same conv → ReLU → 2×2 max-pool) with
 * channel counts `convChannels`, flatten, one dense ReLU layer of width
 * `denseWidth` (φ), then the shared softmax head. Built from im2col
 * (layers.ts) so that gradients and Hessian-vector products work on wasm.
 * Input rows are images in row-major [height, width, channels] order.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random';
import type { BodyDefinition, NamedArray, ParamShape } from './types';
import { heNormal, zeros } from './init';
import { conv3x3Same, dense, maxPool2x2 } from './layers';

export function createCnnBody(
  imageShape: readonly [number, number, number],
  convChannels: readonly number[],
  denseWidth: number | undefined,
): BodyDefinition {
  let [h, w, c] = imageShape;
  const shapes: ParamShape[] = [];
  convChannels.forEach((cout, k) => {
    if (!Number.isInteger(cout) || cout <= 0) throw new Error(`conv channels ${cout} must be a positive integer`);
    if (h < 2 || w < 2)
      throw new Error(`image ${imageShape.join('×')} is too small for ${convChannels.length} pooling blocks`);
    shapes.push({ name: `conv${k}.kernel`, shape: [3, 3, c, cout] }, { name: `conv${k}.bias`, shape: [cout] });
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
    c = cout;
  });
  const convBlocks = convChannels.length;
  const flat = h * w * c;
  // Without a dense width φ is the flattened last pooled map.
  const hasDense = denseWidth !== undefined && denseWidth > 0;
  if (hasDense)
    shapes.push({ name: 'dense.kernel', shape: [flat, denseWidth] }, { name: 'dense.bias', shape: [denseWidth] });
  const [height, width, channels] = imageShape;

  return {
    kind: 'cnn',
    featureDim: hasDense ? denseWidth : flat,
    shapes,
    init(rng: Rng): NamedArray[] {
      const out: NamedArray[] = [];
      for (let k = 0; k < shapes.length; k += 2) {
        const kernel = shapes[k];
        // Fan-in of a conv output unit: 3·3·cin; of the dense unit: its input width.
        const fanIn = kernel.shape.length === 4 ? 9 * kernel.shape[2] : kernel.shape[0];
        out.push(heNormal(rng, kernel.name, kernel.shape, fanIn), zeros(shapes[k + 1].name, shapes[k + 1].shape));
      }
      return out;
    },
    features(params, x) {
      const batch = x.shape[0];
      let maps = tf.reshape(x, [batch, height, width, channels]) as tf.Tensor4D;
      for (let k = 0; k < convBlocks; k++) {
        maps = maxPool2x2(tf.relu(conv3x3Same(maps, params[2 * k], params[2 * k + 1])) as tf.Tensor4D);
      }
      const flatMaps = tf.reshape(maps, [batch, flat]) as tf.Tensor2D;
      if (!hasDense) return flatMaps;
      return tf.relu(dense(flatMaps, params[2 * convBlocks], params[2 * convBlocks + 1])) as tf.Tensor2D;
    },
  };
}
