/**
 * The body contract: a feature map φ(x) written as a pure function of its
 * weight tensors, plus the shapes and seeded initial values of those weights.
 * The softmax head on top (logits = φ·W + b) is shared by every model kind
 * and lives in network.ts.
 */
import type { BodyDefinition, ModelConfig } from './types';
import { createCnnBody } from './cnn';
import { createLogregBody } from './logreg';
import { createMlpBody } from './mlp';

export function createBody(
  config: ModelConfig,
  dims: number,
  imageShape?: readonly [number, number, number],
): BodyDefinition {
  switch (config.kind) {
    case 'logreg':
      return createLogregBody(dims);
    case 'mlp':
      return createMlpBody(dims, config.hidden);
    case 'cnn': {
      if (!imageShape) throw new Error('the CNN needs image-shaped data ([height, width, channels])');
      if (imageShape[0] * imageShape[1] * imageShape[2] !== dims) {
        throw new Error(`image shape ${imageShape.join('×')} does not match ${dims} features per sample`);
      }
      return createCnnBody(imageShape, config.convChannels, config.hidden[0]);
    }
  }
}
