/** Logistic regression: the body is the identity, so φ(x) = x and the head is the whole model. */
import type { BodyDefinition } from './types';

export function createLogregBody(dims: number): BodyDefinition {
  return {
    kind: 'logreg',
    featureDim: dims,
    shapes: [],
    init: () => [],
    features: (_params, x) => x,
  };
}
