/** The ground-truth file of the demo, `<outDir>/flipped.json`. */
import type { DEMO_GENERATOR } from './demoFolder';

/** One flipped training label: where it is on disk, what it says, what it should say. */
export interface FlippedSample {
  id: number;
  /** Relative to `<outDir>/images`, e.g. 'train/8/00042.png' (the folder is the given label). */
  imagePath: string;
  /** 1-based line of this sample in digits.csv (the header is line 1). */
  csvLine: number;
  trueLabel: string;
  givenLabel: string;
  /** Index of the image within its true digit in the `mnist` package. */
  mnistIndex: number;
}

/** Contents of `<outDir>/flipped.json`, also returned by `buildDemoDataset`. */
export interface DemoManifest {
  /** Marks the folder as a demo output, which a later run may replace. */
  generator: typeof DEMO_GENERATOR;
  seed: number;
  noiseRate: number;
  testFraction: number;
  nTrain: number;
  nTest: number;
  classes: string[];
  /** Sorted by id. Its length is exactly round(noiseRate · nTrain). */
  flipped: FlippedSample[];
}
