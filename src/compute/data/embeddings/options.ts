/**
 * The options of the frozen-feature path (issue 15): the user's own
 * embeddings or model file instead of a model trained here. Declared apart
 * so they move as one group into the option table.
 */
export interface FeatureSourceOptions {
  /** CSV/TSV columns holding each sample's embedding: names `a,b,c`, or a prefix `emb_*`. */
  embeddingColumns?: string;
  /** JSONL field holding each sample's embedding as an array of numbers. */
  embeddingField?: string;
  /** A side file (.npy float32/float64, or CSV/TSV) with one embedding per data row of the dataset file, same order. */
  embeddingsFile?: string;
  /** The same for the separate test file, when there is one. */
  testEmbeddingsFile?: string;
  /**
   * The user's own out-of-sample predicted probabilities (.npy or CSV/TSV),
   * one row per data row of the dataset file, one column per class (a CSV
   * header names the classes; .npy columns are the classes in sorted order):
   * used instead of cross-fitting, as cleanlab takes them.
   */
  probabilitiesFile?: string;
  /** An ONNX classifier: its penultimate layer gives the features, its last layer the head's start. */
  modelFile?: string;
  /**
   * The model's output (or any tensor of its graph) to use as the embedding; default: the input of the final
   * Gemm/MatMul.
   */
  embeddingOutput?: string;
  /**
   * Preprocessing JSON for the model (image size, layout, scale, mean/std; tabular columns); default
   * `<model>.preprocess.json` beside it.
   */
  preprocessFile?: string;
}

/** True when the features come from the user (embeddings or a model file), not from a model trained here. */
export function usesFrozenFeatures(o: FeatureSourceOptions): boolean {
  return (
    o.embeddingColumns !== undefined ||
    o.embeddingField !== undefined ||
    o.embeddingsFile !== undefined ||
    o.modelFile !== undefined
  );
}
