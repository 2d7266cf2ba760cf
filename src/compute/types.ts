/**
 * Shared shapes of the engine: what a loader produces and what the rest of
 * the pipeline consumes. Loaders know about files; nothing after them does.
 */

export type DatasetFormat = 'csv' | 'imagefolder' | 'jsonl';

/** Where a sample lives on disk, so every row of the UI can link back to it. */
export interface SourceRef {
  /** Path relative to the dataset root, with forward slashes. */
  path: string;
  /** 1-based line where the record starts (text formats only). */
  line?: number;
  /** 0-based data row within `path` (text formats only; header excluded). */
  row?: number;
  /**
   * Fingerprint of the record's text (text formats only; recordDigest.ts):
   * an edit first proves the record at `line` is still this one, or finds
   * where it went.
   */
  digest?: string;
}

/** One split (train or test) as dense features ready for a model. */
export interface SplitData {
  /** Row-major n × dims features (already standardized/encoded). */
  x: Float32Array;
  /** Class index per sample, into `LoadedDataset.classes`. */
  y: Int32Array;
  sources: SourceRef[];
  /**
   * A short, human-readable rendering of each sample's raw values (tabular
   * and text records), for the panel and the CLI; empty strings for images.
   */
  preview: string[];
  /**
   * Content fingerprint per sample (src/compute/issues/contentHash.ts): file
   * bytes for images, normalised feature cells for rows. Equal values = exact
   * duplicates. Absent when the loader did not compute them.
   */
  contentHash?: Float64Array;
}

export interface LoadedDataset {
  /** Absolute path of the dataset root (a folder; for a single file, its folder). */
  root: string;
  format: DatasetFormat;
  /** Name of the label column/field ("" for image folders, whose labels are folder names). */
  labelColumn: string;
  /** Class names, sorted; `y` indexes into this. */
  classes: string[];
  /** Feature dimension per sample. */
  dims: number;
  /** For images: [height, width, channels]; absent for tabular/text. */
  imageShape?: [number, number, number];
  /** How the test split was obtained. */
  testSource: 'split-column' | 'test-file' | 'test-folder' | 'holdout';
  /** The separate test file or folder that was named (relative to `root`, forward slashes), when one was. */
  testPath?: string;
  train: SplitData;
  test: SplitData;
  /** Non-fatal findings the user should see (imputed cells, dropped files, …). */
  warnings: string[];
}

export type ModelKind = 'logreg' | 'mlp' | 'cnn';
