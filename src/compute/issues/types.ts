/** What the data-issue passes (issue 17) take and give; plain typed arrays, no tensors. */

/** Points of one space (feature or input), and their k nearest among some reference points (knn.ts). */
export interface Points {
  /** Row-major n × d. */
  x: Float32Array;
  n: number;
  d: number;
}

export interface Neighbours {
  k: number;
  /** n × k reference indices, nearest first (−1 where fewer than k exist). */
  index: Int32Array;
  /** n × k Euclidean distances, nearest first (Infinity where none). */
  distance: Float64Array;
}

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
