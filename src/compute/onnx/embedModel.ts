/**
 * The user's ONNX classifier as a feature source: open it, find the
 * embedding and the final layer (findHead.ts), cut the graph at the
 * embedding, and run the dataset through it in batches. Images are loaded at
 * the model's input size (the loader resizes), then laid out and normalised
 * as the preprocessing says; tables feed the named columns as written.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { throwIfAborted } from '../cancel';
import { InputError } from '../errors';
import { readColumns } from '../data/embeddings/readers';
import { gatherRows, type RowMatrix } from '../data/embeddings/rowMatrix';
import type { DatasetFiles } from '../data/embeddings/embeddingSource';
import { relativePosix } from '../data/files';
import type { ImageFile } from '../data/imageSet';
import { DecodeThread } from './decodeClient';
import { quote } from '../data/quote';
import type { FrozenFeatures } from '../pipeline/fitFrozen';
import type { Progress } from '../pipeline/options';
import type { LoadedDataset } from '../types';
import { findHead, type GraphCut } from './findHead';
import { type ImageInput, imageInput, type PreprocessSpec, readPreprocess } from './preprocess';
import { type EmbeddingRunner, openRunner } from './runtime';

export interface OpenedModel {
  file: string;
  cut: GraphCut;
  /** The model with the embedding as its only output. */
  cutBytes: Uint8Array;
  spec: PreprocessSpec;
  specFile?: string;
  /** For an image model: what the loader must produce. */
  image?: ImageInput;
  /** sha256 of the model file's bytes as read: a saved fit is valid for these bytes alone (not a size or an mtime). */
  contentHash: string;
}

export async function openModel(file: string, embeddingOutput?: string, preprocessFile?: string): Promise<OpenedModel> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (err) {
    throw new InputError(file, `cannot be read (${(err as Error).message}); expected an ONNX model file`);
  }
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new InputError(
      file,
      `is not an ONNX model (${(err as Error).message}); expected a .onnx file (a ModelProto)`,
    );
  }
  const cut = findHead(model, file, embeddingOutput);
  const { spec, file: specFile } = await readPreprocess(file, preprocessFile);
  const image = cut.inputShape.length === 4 ? imageInput(cut.inputShape, spec, file) : undefined;
  if (!image && cut.inputShape.length !== 2) {
    throw new InputError(
      file,
      `takes an input of shape [${cut.inputShape.join(', ')}]; expected [N, ` +
        `features] (a table) or [N, C, H, W] / [N, H, W, C] (images)`,
    );
  }
  // The cut: the embedding becomes the only output, so the runtime computes nothing past it.
  model.graph!.output = [onnx.ValueInfoProto.create({ name: cut.embedding })];
  return {
    file,
    cut,
    cutBytes: onnx.ModelProto.encode(model).finish(),
    spec,
    ...(specFile ? { specFile } : {}),
    ...(image ? { image } : {}),
    contentHash: createHash('sha256').update(bytes).digest('hex'),
  };
}

export interface EmbedContext {
  signal?: AbortSignal;
  report: (p: Progress) => void;
}

export interface ModelFeatures extends FrozenFeatures {
  train: Float32Array;
  test: Float32Array;
  dim: number;
}

/** Images per inference batch. */
const IMAGE_BATCH = 32;
/** Table rows per inference batch. */
const ROW_BATCH = 1024;

/**
 * Embeds the rows of one input matrix (or of a stream of batches) with the
 * cut model. Batches come from `next(k)`; batch k + 1 is prepared (decoded,
 * normalised) on this thread while the runtime computes batch k on its own
 * threads, so decoding overlaps inference instead of adding to it.
 */
async function embedBatches(
  m: OpenedModel,
  runner: EmbeddingRunner,
  n: number,
  batch: number,
  next: (start: number, count: number) => Promise<{ x: Float32Array; shape: number[] }>,
  onDone: (count: number) => void,
  signal?: AbortSignal,
): Promise<{ phi: Float32Array; dim: number }> {
  let phi: Float32Array | null = null;
  let dim = 0;
  let pending = n > 0 ? next(0, Math.min(batch, n)) : null;
  for (let start = 0; start < n; start += batch) {
    throwIfAborted(signal);
    const b = Math.min(batch, n - start);
    const input = await pending!;
    const running = runner.run(input.x, input.shape);
    const after = start + batch;
    pending = after < n ? next(after, Math.min(batch, n - after)) : null;
    // A failed prefetch is reported when its turn comes; until then it must not count as unhandled.
    pending?.catch(() => undefined);
    const out = await running;
    if (out.dims[0] !== b)
      throw new InputError(
        m.file,
        `the embedding ${quote(m.cut.embedding)} has shape ` +
          `[${out.dims.join(', ')}] for a batch of ${b}; expected the batch as ` +
          `its first dimension`,
      );
    if (!phi) {
      dim = out.data.length / b;
      phi = new Float32Array(n * dim);
    }
    phi.set(out.data, start * dim);
    onDone(b);
  }
  for (let k = 0; k < (phi?.length ?? 0); k++) {
    if (!Number.isFinite(phi![k]))
      throw new InputError(
        m.file,
        `the embedding ${quote(m.cut.embedding)} of sample ` +
          `${Math.floor(k / dim) + 1} holds ${phi![k]}; expected finite numbers`,
      );
  }
  return { phi: phi ?? new Float32Array(0), dim };
}

/** What the runtime was, for the results (set by whichever pass opened it). */
interface RunState {
  runtime?: string;
}

/**
 * For an image model: the loader's `imageFeatures`, which decodes the
 * images batch by batch at the model's size and embeds them (the pixels of
 * the whole set are never in memory at once).
 */
export function imageEmbedder(
  m: OpenedModel,
  ctx: EmbedContext,
  state: RunState,
): (files: ImageFile[]) => Promise<{ x: Float32Array; dims: number }> {
  const img = m.image!;
  const sampleShape =
    img.layout === 'NCHW' ? [img.channels, img.height, img.width] : [img.height, img.width, img.channels];
  return async (files) => {
    const runner = await openRunner(m.cutBytes, m.cut.input, m.cut.embedding, m.file);
    state.runtime = runner.description;
    // onnxruntime-node runs on this thread: the images are decoded on another one, a batch ahead.
    const decoder = new DecodeThread(img, m.spec);
    let done = 0;
    try {
      const { phi, dim } = await embedBatches(
        m,
        runner,
        files.length,
        IMAGE_BATCH,
        async (start, count) => ({
          x: await decoder.decode(files.slice(start, start + count)),
          shape: [count, ...sampleShape],
        }),
        (count) => {
          done += count;
          ctx.report({
            stage: 'features',
            done,
            total: files.length,
            message: `embedding with ${path.basename(m.file)}`,
          });
        },
        ctx.signal,
      );
      return { x: phi, dims: dim };
    } finally {
      await decoder.close();
      await runner.dispose();
    }
  };
}

export async function embedWithModel(
  m: OpenedModel,
  data: LoadedDataset,
  files: DatasetFiles,
  ctx: EmbedContext,
  state: RunState = {},
): Promise<ModelFeatures> {
  let train: Float32Array;
  let test: Float32Array;
  let dim: number;
  if (m.image) {
    // Embedded while loading (imageEmbedder): the loaded features are the embeddings.
    if (data.format === 'csv')
      throw new InputError(
        files.file,
        `is a table, but ${m.file} takes images ` +
          `[${m.cut.inputShape.join(', ')}]; expected an image folder or a JSONL ` +
          `of image paths`,
      );
    if (state.runtime === undefined)
      throw new Error("an image model must embed while loading: pass imageEmbedder() as the loader's imageFeatures");
    ({ dims: dim } = data);
    ({ x: train } = data.train);
    ({ x: test } = data.test);
  } else {
    const inputs = await tableInputs(m, data, files);
    const runner = await openRunner(m.cutBytes, m.cut.input, m.cut.embedding, m.file);
    state.runtime = runner.description;
    try {
      const total = data.train.y.length + data.test.y.length;
      let done = 0;
      const width = inputs.width;
      const embed = (x: Float32Array, n: number) =>
        embedBatches(
          m,
          runner,
          n,
          ROW_BATCH,
          async (start, count) => ({ x: x.subarray(start * width, (start + count) * width), shape: [count, width] }),
          (count) => {
            done += count;
            ctx.report({ stage: 'features', done, total, message: `embedding with ${path.basename(m.file)}` });
          },
          ctx.signal,
        );
      const a = await embed(inputs.train, data.train.y.length);
      const b = await embed(inputs.test, data.test.y.length);
      [train, test, dim] = [a.phi, b.phi, a.dim || b.dim];
    } finally {
      await runner.dispose();
    }
  }
  const initHead = m.cut.head ? headInDataOrder(m, data, dim) : undefined;
  return {
    train,
    test,
    dim,
    ...(initHead ? { initHead } : {}),
    // The bytes of the model and the preprocessing it was run with: a saved fit of other ones is not this fit.
    contentKey: `onnx ${m.contentHash} preprocess ${JSON.stringify(m.spec)}`,
    source: {
      kind: 'onnx',
      file: m.file,
      description:
        `output ${quote(m.cut.embedding)} of ` +
        `${path.basename(m.file)}${m.specFile ? `, preprocessing ${path.basename(m.specFile)}` : ''}`,
      embeddingOutput: m.cut.embedding,
      embeddingDim: dim,
      ...(state.runtime ? { runtime: state.runtime } : {}),
      outOfSample: 'cross-fitted',
    },
  };
}

/**
 * The model's final layer as a head over the dataset's classes (in the dataset's sorted order); refuses a class count
 * that differs.
 */
function headInDataOrder(m: OpenedModel, data: LoadedDataset, dim: number): Float64Array {
  const head = m.cut.head!;
  const c = data.classes.length;
  if (head.numClasses !== c) {
    throw new InputError(
      m.file,
      `its final layer (${head.node}) has ${head.numClasses} outputs; ` +
        `expected ${c}, one per class of the dataset ` +
        `(${data.classes.map((k) => quote(k)).join(', ')})`,
    );
  }
  if (head.featureDim !== dim)
    throw new InputError(
      m.file,
      `its final layer takes ${head.featureDim} features, the embedding has ${dim}; expected them to agree`,
    );
  let order = data.classes.map((_, k) => k);
  if (m.spec.classes) {
    const modelClasses = m.spec.classes;
    const missing = data.classes.filter((k) => !modelClasses.includes(k));
    if (missing.length > 0 || modelClasses.length !== c) {
      throw new InputError(
        m.specFile ?? m.file,
        `"classes" lists ${modelClasses.map((k) => quote(k)).join(', ')}; ` +
          `expected the dataset's classes ` +
          `${data.classes.map((k) => quote(k)).join(', ')} in the model's output ` +
          `order`,
      );
    }
    order = data.classes.map((k) => modelClasses.indexOf(k));
  }
  const out = new Float64Array((dim + 1) * c);
  for (let j = 0; j < dim; j++) for (let k = 0; k < c; k++) out[j * c + k] = head.kernel[j * c + order[k]];
  for (let k = 0; k < c; k++) out[dim * c + k] = head.bias[order[k]];
  return out;
}

/** A table model's input for both splits: the preprocessing's columns, as written in the file. */
async function tableInputs(
  m: OpenedModel,
  data: LoadedDataset,
  files: DatasetFiles,
): Promise<{ train: Float32Array; test: Float32Array; width: number }> {
  const k = m.cut.inputShape[1];
  if (data.format !== 'csv')
    throw new InputError(
      files.file,
      `is not a CSV/TSV table, but ${m.file} takes rows of ${k > 0 ? k : 'some'} numbers; expected a CSV/TSV dataset`,
    );
  const columns = m.spec.columns;
  if (!columns)
    throw new InputError(
      m.specFile ?? `${m.file.replace(/\.onnx$/i, '')}.preprocess.json`,
      `is needed: ${path.basename(m.file)} takes rows of ` +
        `${k > 0 ? k : 'some'} numbers; expected {"columns": [...]} naming the ` +
        `columns it takes, in its order`,
    );
  if (k > 0 && columns.length !== k)
    throw new InputError(
      m.specFile ?? m.file,
      `"columns" names ${columns.length}; expected ${k}, the model's input width`,
    );
  const byPath = new Map<string, RowMatrix>();
  const list = [{ file: files.file, abs: files.abs }];
  if (files.testFile && files.testAbs) list.push({ file: files.testFile, abs: files.testAbs });
  for (const f of list)
    byPath.set(relativePosix(data.root, f.abs), await readColumns(f.abs, f.file, { names: columns }));
  return {
    train: gatherRows(data.train.sources, byPath, files.file),
    test: gatherRows(data.test.sources, byPath, files.file),
    width: columns.length,
  };
}
