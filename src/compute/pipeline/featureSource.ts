/**
 * Where the features come from (DESIGN.md §1): a model trained here (the
 * default: fit.ts), or the user's own — precomputed embeddings or an ONNX
 * model's penultimate layer. The user's features replace the loaded
 * dataset's feature matrix (a 'logreg' network on them is the head alone),
 * and fitFrozen() fits that head; from there on the pipeline is the same.
 *
 * Two steps because a model decides how the data is loaded (its image size
 * and channels): prepare() before loading, features() after.
 */
import { optionRef } from '../options/derive';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { imageFolderRefusal, loadEmbeddings, type DatasetFiles } from '../data/embeddings/embeddingSource';
import { type FeatureSourceOptions, usesFrozenFeatures } from '../data/embeddings/options';
import { loadUserProbabilities } from '../data/embeddings/userProbabilities';
import { InputError } from '../errors';
import type { EmbeddingCache } from '../onnx/embeddingCache';
import type { LoadOptions } from '../data';
import type { LoadedDataset } from '../types';
import type { FrozenFeatures } from './fitFrozen';
import type { AnalyzeOptions, Progress } from './options';
import { formatCount } from '../formatCount';

export interface PreparedSource {
  /**
   * What the loader must do for this source (an image model's input size, a JSONL field to leave out of the features).
   */
  loadOptions: Pick<LoadOptions, 'imageFeatures' | 'ignoreFields' | 'featuresElsewhere' | 'featureWidth'>;
  /** The user's features for the loaded data, and the dataset with them as its feature matrix. */
  features(
    data: LoadedDataset,
    ctx: { signal?: AbortSignal; report: (p: Progress) => void },
  ): Promise<{ data: LoadedDataset; frozen: FrozenFeatures }>;
}

/** null when the features come from a model trained here. */
export async function prepareFeatureSource(
  options: AnalyzeOptions & FeatureSourceOptions,
  loadReport: (p: Progress) => void = () => {},
  keep?: KeptEmbeddings,
): Promise<PreparedSource | null> {
  if (!usesFrozenFeatures(options)) {
    if (options.embeddingOutput !== undefined || options.preprocessFile !== undefined) {
      throw new InputError(
        options.datasetPath,
        `${optionRef(options.embeddingOutput !== undefined ? 'embeddingOutput' : 'preprocessFile')} ` +
          `is about a model; expected it with ${optionRef('modelFile')}`,
      );
    }
    if (options.testEmbeddingsFile !== undefined)
      throw new InputError(
        options.testEmbeddingsFile,
        `is given without ${optionRef('embeddingsFile')}; expected both side files`,
      );
    if (options.probabilitiesFile !== undefined) {
      throw new InputError(
        options.probabilitiesFile,
        `is given without embeddings or a model file; expected it with ` +
          `${optionRef('modelFile')} or the embedding options (the built-in ` +
          `models cross-fit their own)`,
      );
    }
    return null;
  }
  checkCombination(options);
  const files: DatasetFiles = {
    file: options.datasetPath,
    abs: path.resolve(options.datasetPath),
    ...(options.testPath ? { testFile: options.testPath, testAbs: path.resolve(options.testPath) } : {}),
  };
  const withProbabilities = async (data: LoadedDataset, frozen: FrozenFeatures): Promise<FrozenFeatures> =>
    options.probabilitiesFile === undefined
      ? frozen
      : {
          ...frozen,
          userOosProbs: await loadUserProbabilities(data, files, options.probabilitiesFile),
          source: { ...frozen.source, outOfSample: options.probabilitiesFile },
        };

  if (options.modelFile !== undefined) {
    // Loaded only for a model file: the ONNX schema (onnx-proto, protobufjs) is a sizeable part of the engine's start.
    const [{ embedWithModel, imageEmbedder, modelKey, openModel, tableModelWidth }, { openEmbeddingCache }] =
      await Promise.all([import('../onnx/embedModel.js'), import('../onnx/embeddingCache.js')]);
    const model = await openModel(options.modelFile, options.embeddingOutput, options.preprocessFile);
    const state = {};
    const cache = keep ? await openEmbeddingCache(keep.file, modelKey(model)) : undefined;
    const width = tableModelWidth(model, state, cache);
    return {
      loadOptions: {
        featuresElsewhere: true,
        ...(model.image && {
          imageFeatures: imageEmbedder(model, { signal: options.signal, report: loadReport }, state, cache),
        }),
        ...(width && { featureWidth: width }),
      },
      async features(data, ctx) {
        const f = await embedWithModel(model, data, files, { signal: ctx.signal, report: ctx.report }, state, cache);
        if (keep && cache) await keepEmbeddings(keep, cache);
        return { data: withFeatures(data, f.train, f.test, f.dim), frozen: await withProbabilities(data, f) };
      },
    };
  }
  // Before loading: an image folder would be decoded whole only to be refused.
  if (await isFolder(options.datasetPath)) throw imageFolderRefusal(options.datasetPath);
  return {
    loadOptions: {
      featuresElsewhere: true,
      ...(options.embeddingField !== undefined && { ignoreFields: [options.embeddingField] }),
    },
    async features(data) {
      const e = await loadEmbeddings(data, files, options);
      const frozen: FrozenFeatures = {
        source: {
          kind: 'embeddings',
          file: e.files.length > 0 ? e.files.join(', ') : options.datasetPath,
          description: e.description,
          embeddingDim: e.dim,
          outOfSample: 'cross-fitted',
        },
      };
      return { data: withFeatures(data, e.train, e.test, e.dim), frozen: await withProbabilities(data, frozen) };
    },
  };
}

/** Where the user's model's vectors are kept between runs (beside the saved fit), and the log line of what happened. */
export interface KeptEmbeddings {
  file: string;
  log?: (message: string) => void;
}

async function keepEmbeddings(keep: KeptEmbeddings, cache: EmbeddingCache): Promise<void> {
  const { MAX_KEPT_BYTES, saveEmbeddingCache } = await import('../onnx/embeddingCache.js');
  const total = cache.taken + cache.embedded;
  if (cache.taken > 0)
    keep.log?.(`took ${formatCount(cache.taken)} of ${formatCount(total)} embeddings from ${keep.file}`);
  // Keeping them only saves time later: failing to save (a full disk) must not fail this run.
  await saveEmbeddingCache(keep.file, cache).then(
    (outcome) => {
      if (outcome === 'saved') keep.log?.(`embeddings saved to ${keep.file}`);
      if (outcome === 'too large')
        keep.log?.(
          `the embeddings were not kept (${Math.round(cache.vectorBytes / 2 ** 20)} MB, more than ${MAX_KEPT_BYTES / 2 ** 20} MB)`,
        );
    },
    (error: Error) => keep.log?.(`the embeddings were not saved: ${error.message}`),
  );
}

/** Whether the path is a folder (false when it cannot be read: the loader says why). */
async function isFolder(file: string): Promise<boolean> {
  return fsp.stat(file).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** One feature source at a time, and no option that only a model trained here uses. */
function checkCombination(o: AnalyzeOptions & FeatureSourceOptions): void {
  const sources = [
    o.modelFile !== undefined && `${optionRef('modelFile')}`,
    o.embeddingsFile !== undefined && `${optionRef('embeddingsFile')}`,
    o.embeddingColumns !== undefined && `${optionRef('embeddingColumns')}`,
    o.embeddingField !== undefined && `${optionRef('embeddingField')}`,
  ].filter((s): s is string => typeof s === 'string');
  if (sources.length > 1)
    throw new InputError(o.datasetPath, `${sources.join(' and ')} both name the features; expected one of them`);
  if (o.model !== undefined && o.model !== 'logreg') {
    throw new InputError(
      o.datasetPath,
      `${optionRef('model')} (${o.model}) trains a model here, but ` +
        `${sources[0]} gives the features; expected one or the other (the head ` +
        `on your features is fitted either way)`,
    );
  }
  if (o.embeddingOutput !== undefined && o.modelFile === undefined)
    throw new InputError(
      o.datasetPath,
      `${optionRef('embeddingOutput')} names a tensor of a model; expected it with ${optionRef('modelFile')}`,
    );
  if (o.testEmbeddingsFile !== undefined && o.embeddingsFile === undefined)
    throw new InputError(
      o.testEmbeddingsFile,
      `is given without ${optionRef('embeddingsFile')}; expected both side files`,
    );
}

/** The dataset with the user's features as its feature matrix (no image shape: the features are vectors now). */
export function withFeatures(data: LoadedDataset, train: Float32Array, test: Float32Array, dim: number): LoadedDataset {
  const rest: LoadedDataset = { ...data };
  delete rest.imageShape;
  return { ...rest, dims: dim, train: { ...data.train, x: train }, test: { ...data.test, x: test } };
}
