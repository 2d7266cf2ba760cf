/**
 * Multi-layer perceptron body: dense layers of widths `hidden`, each followed
 * by the activation (ReLU for the product; tanh/sigmoid exist so tests can
 * exercise the second-order fixes for those kernels). φ is the last hidden
 * layer's activation; with no hidden layers φ = x.
 */
import type { Rng } from '../random';
import type { BodyDefinition, NamedArray, ParamShape } from './types';
import { heNormal, zeros } from './init';
import { type Activation, activate, dense } from './layers';

export function createMlpBody(
  dims: number,
  hidden: readonly number[],
  activation: Activation = 'relu',
): BodyDefinition {
  const shapes: ParamShape[] = [];
  let fanIn = dims;
  hidden.forEach((width, k) => {
    if (!Number.isInteger(width) || width <= 0) throw new Error(`hidden width ${width} must be a positive integer`);
    shapes.push({ name: `dense${k}.kernel`, shape: [fanIn, width] }, { name: `dense${k}.bias`, shape: [width] });
    fanIn = width;
  });
  return {
    kind: 'mlp',
    featureDim: fanIn,
    shapes,
    init(rng: Rng): NamedArray[] {
      const out: NamedArray[] = [];
      for (let k = 0; k < shapes.length; k += 2) {
        const kernel = shapes[k];
        out.push(
          heNormal(rng, kernel.name, kernel.shape, kernel.shape[0]),
          zeros(shapes[k + 1].name, shapes[k + 1].shape),
        );
      }
      return out;
    },
    features(params, x) {
      let h = x;
      for (let k = 0; k < params.length; k += 2)
        h = activate(dense(h, params[k], params[k + 1]), activation) as typeof x;
      return h;
    },
  };
}
