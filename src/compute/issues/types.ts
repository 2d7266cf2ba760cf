/** What the data-issue passes (issue 17) take and give; plain typed arrays, no tensors. */
import type { Points } from './knn';

/** A sample of either split: train ids and test ids are separate index spaces. */
export interface SampleRef {
  split: 'train' | 'test';
  id: number;
}

export interface SplitView {
  /** Features in the space the model's head sees (penultimate layer or the user's embeddings). */
  features: Points;
  /** Class index per sample. */
  y: Int32Array;
  /** Content fingerprints (exact duplicates); absent when the loader gave none. */
  contentHash?: Float64Array;
}
