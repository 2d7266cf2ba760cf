/**
 * The command-line options of the frozen-feature path (issue 15): the user's
 * own ONNX model or precomputed embeddings. One group, declared once, so it
 * moves into the option table as a unit.
 */
import type { Command } from 'commander';
import type { FeatureSourceOptions } from '../compute/data/embeddings/options';

export interface FeatureSourceFlags {
  modelFile?: string;
  embeddingOutput?: string;
  preprocess?: string;
  embeddingColumns?: string;
  embeddingField?: string;
  embeddingsFile?: string;
  testEmbeddingsFile?: string;
  probabilitiesFile?: string;
}

export function addFeatureSourceOptions(command: Command): Command {
  return command
    .option('--model-file <model.onnx>', 'your ONNX classifier: influence over its final layer on its own embedding')
    .option('--embedding-output <name>', 'with --model-file: the tensor to use as the embedding (default: the input of the final Gemm/MatMul)')
    .option('--preprocess <json>', 'with --model-file: image size, layout, scale, mean/std or table columns (default: <model>.preprocess.json beside it)')
    .option('--embedding-columns <cols>', 'CSV/TSV: your embedding columns, a prefix like emb_* or a list like e0,e1,e2')
    .option('--embedding-field <name>', 'JSONL: the field holding each record\'s embedding (an array of numbers)')
    .option('--embeddings-file <file>', 'your embeddings as a side file (.npy float32/float64 or CSV), one row per data row of the dataset')
    .option('--test-embeddings-file <file>', 'the same for the separate test file')
    .option('--probabilities-file <file>', 'your own out-of-sample probabilities (.npy or CSV, one column per class), used instead of cross-fitting');
}

export function featureSourceOptionsFrom(flags: FeatureSourceFlags): FeatureSourceOptions {
  return {
    modelFile: flags.modelFile,
    embeddingOutput: flags.embeddingOutput,
    preprocessFile: flags.preprocess,
    embeddingColumns: flags.embeddingColumns,
    embeddingField: flags.embeddingField,
    embeddingsFile: flags.embeddingsFile,
    testEmbeddingsFile: flags.testEmbeddingsFile,
    probabilitiesFile: flags.probabilitiesFile,
  };
}
