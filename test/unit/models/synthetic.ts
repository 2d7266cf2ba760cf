/** Small seeded synthetic datasets for the model tests. */
import { createRng, normal } from '../../../src/compute/random';
import type { TrainingData } from '../../../src/compute/models/types';

/** Gaussian blobs: class k is centred at `separation` along axis k. */
export function blobs(n: number, dims: number, numClasses: number, seed: number, separation = 3): TrainingData {
  const rng = createRng(seed);
  const x = new Float32Array(n * dims);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % numClasses;
    for (let j = 0; j < dims; j++) x[i * dims + j] = normal(rng) + (j === y[i] ? separation : 0);
  }
  return { x, y, n, dims, numClasses };
}

/**
 * size×size grey images: class 0 has a horizontal bar, class 1 a vertical bar,
 * at a random position, plus noise — a pattern a linear model on pixels
 * cannot separate well but a small CNN can.
 */
export function barImages(n: number, size: number, seed: number, noise = 0.3): TrainingData {
  const rng = createRng(seed);
  const dims = size * size;
  const x = new Float32Array(n * dims);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    const at = Math.floor(rng() * size);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const onBar = y[i] === 0 ? r === at : c === at;
        x[i * dims + r * size + c] = (onBar ? 1 : 0) + noise * normal(rng);
      }
    }
  }
  return { x, y, n, dims, numClasses: 2, imageShape: [size, size, 1] };
}

export function accuracy(probs: Float32Array, y: Int32Array, numClasses: number): number {
  let correct = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (probs[i * numClasses + k] > probs[i * numClasses + best]) best = k;
    if (best === y[i]) correct++;
  }
  return correct / y.length;
}
