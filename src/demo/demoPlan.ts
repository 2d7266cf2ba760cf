/**
 * Which MNIST digits go into the demo, in which split, under which id, and
 * which training labels get flipped — decided from the seed alone, before any
 * file is written, so the same options always give the same dataset.
 */
import { createRng, deriveSeed, permutation, shuffleInPlace } from '../compute/random';

/** Options of the demo dataset; every field has a default. */
export interface DemoOptions {
  /** Total number of digits, split evenly over the 10 classes. Default 3000. */
  samples?: number;
  /** Share of each class held out as the test split, in [0, 1). Default 0.2. */
  testFraction?: number;
  /** Share of TRAINING labels flipped to a different class, in [0, 1]. Default 0.1. */
  noiseRate?: number;
  /** Seed for the choice of digits, the split and the flips. Default 0. */
  seed?: number;
}

export type ResolvedDemoOptions = Required<DemoOptions>;

/** One sample of the demo. */
export interface DemoSample {
  /** 0-based; training samples first, then test. Also the CSV data row. */
  id: number;
  split: 'train' | 'test';
  /** The digit actually drawn. */
  trueDigit: number;
  /** The label written to disk (differs from trueDigit for flipped samples). */
  givenDigit: number;
  /** Index of the image within its digit in the `mnist` package. */
  mnistIndex: number;
}

export const DEMO_CLASSES = 10;

/** Fills in defaults and rejects options that cannot make a sensible demo. */
export function resolveDemoOptions(options: DemoOptions = {}): ResolvedDemoOptions {
  const resolved = { samples: 3000, testFraction: 0.2, noiseRate: 0.1, seed: 0, ...stripUndefined(options) };
  const { samples, testFraction, noiseRate, seed } = resolved;
  if (!Number.isInteger(samples) || samples < 2 * DEMO_CLASSES) {
    throw new RangeError(`demo samples must be an integer ≥ ${2 * DEMO_CLASSES}, got ${samples}`);
  }
  if (!(testFraction >= 0 && testFraction < 1))
    throw new RangeError(`demo testFraction must be in [0, 1), got ${testFraction}`);
  if (!(noiseRate >= 0 && noiseRate <= 1)) throw new RangeError(`demo noiseRate must be in [0, 1], got ${noiseRate}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`demo seed must be an integer, got ${seed}`);
  return resolved;
}

/**
 * Plans the demo over digit pools of the given sizes (`counts[d]` images of
 * digit d available).
 *
 * - Class-balanced: samples/10 per digit (a remainder goes one each to the
 *   lowest digits), drawn without replacement by a seeded permutation.
 * - Each class is split separately, round(testFraction · k) to test, so both
 *   splits stay balanced.
 * - Exactly round(noiseRate · nTrain) training samples, chosen uniformly,
 *   get a label drawn uniformly from the 9 other digits. Test labels stay true,
 *   so test accuracy measures the clean task.
 * - Ids are shuffled within each split, so files and CSV rows are not sorted
 *   by class (a model that does not shuffle would otherwise see one class at a time).
 */
export function planDemo(options: ResolvedDemoOptions, counts: readonly number[]): DemoSample[] {
  const { samples, testFraction, noiseRate, seed } = options;
  const train: Omit<DemoSample, 'id'>[] = [];
  const test: Omit<DemoSample, 'id'>[] = [];
  for (let digit = 0; digit < DEMO_CLASSES; digit++) {
    const k = Math.floor(samples / DEMO_CLASSES) + (digit < samples % DEMO_CLASSES ? 1 : 0);
    if (k > counts[digit]) {
      const max = DEMO_CLASSES * Math.min(...counts);
      throw new RangeError(`demo samples: digit ${digit} has only ${counts[digit]} images; use at most ${max} samples`);
    }
    const nTest = Math.round(testFraction * k);
    if (nTest === k)
      throw new RangeError(`demo testFraction ${testFraction} leaves no training image of digit ${digit}`);
    const picked = permutation(counts[digit], createRng(deriveSeed(seed, 'demo-pick', digit))).subarray(0, k);
    picked.forEach((mnistIndex, rank) => {
      (rank < nTest ? test : train).push({
        split: rank < nTest ? 'test' : 'train',
        trueDigit: digit,
        givenDigit: digit,
        mnistIndex,
      });
    });
  }
  shuffleInPlace(train, createRng(deriveSeed(seed, 'demo-order', 'train')));
  shuffleInPlace(test, createRng(deriveSeed(seed, 'demo-order', 'test')));
  const plan: DemoSample[] = [...train, ...test].map((s, id) => ({ id, ...s }));

  const flipRng = createRng(deriveSeed(seed, 'demo-flip'));
  const nFlip = Math.round(noiseRate * train.length);
  const flipIds = [...permutation(train.length, flipRng).subarray(0, nFlip)].sort((a, b) => a - b);
  for (const id of flipIds) {
    // Adding 1..9 modulo 10 reaches each other digit with equal probability.
    plan[id].givenDigit = (plan[id].trueDigit + 1 + Math.floor(flipRng() * (DEMO_CLASSES - 1))) % DEMO_CLASSES;
  }
  return plan;
}

function stripUndefined(options: DemoOptions): DemoOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
