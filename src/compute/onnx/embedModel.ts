/**
 * The user's ONNX classifier as a feature source: open it, find the
 * embedding and the final layer (findHead.ts), cut the graph at the
 * embedding, and run the dataset through it in batches. Images are loaded at
 * the model's input size (the loader resizes), then laid out and normalised
 * as the preprocessing says; tables feed the named columns as written.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { throwIfAborted } from '../cancel';
import { InputError } from '../errors';
import { readColumns } from '../data/embeddings/readers';
import { gatherRows, type RowMatrix } from '../data/embeddings/rowMatrix';
import type { DatasetFiles } from '../data/embeddings/embeddingSource';
import { readInputFile, relativePosix } from '../data/files';
import { type ImageEmbedder, type ImageFile, readImageBytes } from '../data/imageSet';
import { DecodeThread } from './decodeClient';
import { type EmbeddingCache, sampleDigest } from './embeddingCache';
import { quote } from '../data/quote';
import type { FrozenFeatures } from '../pipeline/fitFrozen';
import type { Progress } from '../pipeline/options';
import type { LoadedDataset } from '../types';
import { findHead, type GraphCut } from './findHead';
import { type ImageInput, imageInput, preprocessFileOf, type PreprocessSpec, readPreprocess } from './preprocess';
import { type EmbeddingRunner, openRunner } from './runtime';
import { formatCount } from '../formatCount';

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
  const bytes = await readInputFile(file, file, 'an ONNX model file');
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
 * The vectors an earlier run kept (embeddingCache.ts) and the digest of each sample of this pass: a batch whose
 * samples are all kept is taken, not decoded or run.
 */
export interface KeptVectors {
  cache: EmbeddingCache;
  digests: readonly string[];
}

/**
 * Embeds the rows of one input matrix (or of a stream of batches) with the
 * cut model. Batches come from `next(start, count)`; the next batch to run is
 * prepared (decoded, normalised) on this thread while the runtime computes
 * the current one on its own threads, so decoding overlaps inference instead
 * of adding to it. The runtime is opened on the first batch that needs it.
 */
async function embedBatches(
  m: OpenedModel,
  runner: () => Promise<EmbeddingRunner>,
  n: number,
  batch: number,
  next: (start: number, count: number) => Promise<{ x: Float32Array; shape: number[] }>,
  onDone: (count: number) => void,
  signal?: AbortSignal,
  kept?: KeptVectors,
): Promise<{ phi: Float32Array; dim: number }> {
  // A model exported with a fixed batch (PyTorch's default without dynamic_axes: 1) takes exactly that many rows: the
  // batches are that size, the last one padded with zeros and its padding's outputs dropped.
  const fixed = m.cut.inputShape[0] > 0 ? m.cut.inputShape[0] : 0;
  if (fixed) batch = fixed;
  const starts = Array.from({ length: Math.ceil(n / batch) }, (_, k) => k * batch);
  // Which batches are answered from the kept vectors (taken one batch at a time, in the loop: no second copy).
  const keptBatch = starts.map((start) => kept?.cache.has(kept.digests.slice(start, start + batch)) ?? false);
  const prepare = (k: number) => {
    while (k < starts.length && keptBatch[k]) k++;
    if (k >= starts.length) return null;
    const p = next(starts[k], Math.min(batch, n - starts[k]));
    // A failed prefetch is reported when its turn comes; until then it must not count as unhandled.
    p.catch(() => undefined);
    return p;
  };
  let phi: Float32Array | null = null;
  let dim = 0;
  const place = (rows: Float32Array, start: number, b: number) => {
    if (!phi) {
      dim = rows.length / b;
      phi = new Float32Array(n * dim);
    } else if (rows.length !== b * dim)
      throw new InputError(
        m.file,
        `the embedding ${quote(m.cut.embedding)} has ${rows.length / b} values per sample here and ${dim} ` +
          `before; expected one width`,
      );
    phi.set(rows, start * dim);
  };
  let pending = prepare(0);
  for (let k = 0; k < starts.length; k++) {
    throwIfAborted(signal);
    const start = starts[k];
    const b = Math.min(batch, n - start);
    if (keptBatch[k]) {
      place(kept!.cache.take(kept!.digests.slice(start, start + b))!, start, b);
      onDone(b);
      continue;
    }
    const input = padded(await pending!, fixed);
    const running = (await runner()).run(input.x, input.shape);
    pending = prepare(k + 1);
    const out = await running;
    checkBatchDim(m, out.dims, fixed || b);
    place(fixed ? out.data.subarray(0, (out.data.length / fixed) * b) : out.data, start, b);
    if (kept) kept.cache.embedded += b;
    onDone(b);
  }
  const result: Float32Array = phi ?? new Float32Array(0);
  for (let k = 0; k < result.length; k++) {
    if (!Number.isFinite(result[k]))
      throw new InputError(
        m.file,
        `the embedding ${quote(m.cut.embedding)} of sample ` +
          `${Math.floor(k / dim) + 1} holds ${result[k]}; expected finite numbers`,
      );
  }
  if (kept) kept.cache.put(kept.digests, result, dim);
  return { phi: result, dim };
}

/** A batch of fewer rows than the model's fixed batch `size`, with zero rows after them; as it is otherwise. */
function padded(input: { x: Float32Array; shape: number[] }, size: number): { x: Float32Array; shape: number[] } {
  if (!size || input.shape[0] === size) return input;
  const x = new Float32Array((input.x.length / input.shape[0]) * size);
  x.set(input.x);
  return { x, shape: [size, ...input.shape.slice(1)] };
}

/** The runtime, opened on first use (a pass answered from kept vectors never loads the model) and closed after. */
function lazyRunner(m: OpenedModel, state: RunState): { get: () => Promise<EmbeddingRunner>; close(): Promise<void> } {
  let opened: Promise<EmbeddingRunner> | undefined;
  return {
    get: () =>
      (opened ??= openRunner(m.cutBytes, m.cut.input, m.cut.embedding, m.file).then((r) => {
        state.runtime = r.description;
        return r;
      })),
    close: async () => {
      if (opened) await (await opened).dispose();
    },
  };
}

/** What the runtime was, for the results (set by whichever pass opened it). */
export interface RunState {
  runtime?: string;
}

/**
 * For an image model: the loader's `imageFeatures`, which decodes the
 * images batch by batch at the model's size and embeds them (the pixels of
 * the whole set are never in memory at once), and tells the width of the
 * vectors before any image is embedded.
 */
export function imageEmbedder(
  m: OpenedModel,
  ctx: EmbedContext,
  state: RunState,
  cache?: EmbeddingCache,
): ImageEmbedder {
  const img = m.image!;
  const sampleShape =
    img.layout === 'NCHW' ? [img.channels, img.height, img.width] : [img.height, img.width, img.channels];
  return {
    embed: (files) => embedImages(files),
    width: () => keptOrProbedWidth(m, state, sampleShape, cache),
  };

  async function embedImages(files: ImageFile[]): Promise<{ x: Float32Array; dims: number }> {
    // An image's vector is a function of its bytes (and the model key the cache holds): its digest files it.
    const kept = cache ? { cache, digests: await fileDigests(files) } : undefined;
    const runner = lazyRunner(m, state);
    // onnxruntime-node runs on this thread: the images are decoded on another one, a batch ahead.
    let decoder: DecodeThread | undefined;
    let done = 0;
    try {
      const { phi, dim } = await embedBatches(
        m,
        runner.get,
        files.length,
        IMAGE_BATCH,
        async (start, count) => ({
          x: await (decoder ??= new DecodeThread(img, m.spec)).decode(files.slice(start, start + count)),
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
        kept,
      );
      // Every image taken from the cache: the width is the kept one (an empty set has none).
      return { x: phi, dims: dim || (cache?.keptDim ?? 0) };
    } finally {
      await decoder?.close();
      await runner.close();
    }
  }
}

/**
 * The width of the model's vector, from one blank input of one sample's shape: a width read from the graph's declared
 * shapes could be missing or symbolic, and the model's own answer is the one its vectors will have. No user file is
 * read, so the working budget can choose the samples before any is embedded.
 */
async function probeWidth(m: OpenedModel, state: RunState, sampleShape: number[]): Promise<number> {
  const runner = lazyRunner(m, state);
  try {
    // One sample, or as many blank ones as a fixed batch takes (embedBatches).
    const rows = m.cut.inputShape[0] > 0 ? m.cut.inputShape[0] : 1;
    const size = sampleShape.reduce((a, b) => a * b, 1);
    const out = await (await runner.get()).run(new Float32Array(rows * size), [rows, ...sampleShape]);
    checkBatchDim(m, out.dims, rows);
    return out.data.length / rows;
  } finally {
    await runner.close();
  }
}

/** The width the cache kept (no session opened), else probeWidth's. */
async function keptOrProbedWidth(
  m: OpenedModel,
  state: RunState,
  sampleShape: number[],
  cache: EmbeddingCache | undefined,
): Promise<number> {
  return cache?.keptDim || (await probeWidth(m, state, sampleShape));
}

/** A table model's vector width (keptOrProbedWidth), when its input width is fixed; undefined when it is free. */
export function tableModelWidth(
  m: OpenedModel,
  state: RunState,
  cache?: EmbeddingCache,
): (() => Promise<number>) | undefined {
  const features = m.cut.inputShape[1];
  return !m.image && features > 0 ? () => keptOrProbedWidth(m, state, [features], cache) : undefined;
}

/** The runtime's output for a batch of `b` must have the batch first. */
function checkBatchDim(m: OpenedModel, dims: readonly number[], b: number): void {
  if (dims[0] !== b)
    throw new InputError(
      m.file,
      `the embedding ${quote(m.cut.embedding)} has shape [${dims.join(', ')}] for a batch of ${b}; expected the ` +
        `batch as its first dimension`,
    );
}

/** Digests of the image files' bytes, read a few at a time (readImageBytes refuses what is not a regular file). */
async function fileDigests(files: ImageFile[]): Promise<string[]> {
  const out: string[] = [];
  for (let s = 0; s < files.length; s += IMAGE_BATCH) {
    const bufs = await Promise.all(files.slice(s, s + IMAGE_BATCH).map(readImageBytes));
    for (const buf of bufs) out.push(sampleDigest(buf));
  }
  return out;
}

export async function embedWithModel(
  m: OpenedModel,
  data: LoadedDataset,
  files: DatasetFiles,
  ctx: EmbedContext,
  state: RunState = {},
  cache?: EmbeddingCache,
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
    if (state.runtime === undefined && !cache?.taken)
      throw new Error("an image model must embed while loading: pass imageEmbedder() as the loader's imageFeatures");
    ({ dims: dim } = data);
    ({ x: train } = data.train);
    ({ x: test } = data.test);
  } else {
    const inputs = await tableInputs(m, data, files);
    const runner = lazyRunner(m, state);
    try {
      const total = data.train.y.length + data.test.y.length;
      let done = 0;
      const width = inputs.width;
      const embed = (x: Float32Array, n: number) =>
        embedBatches(
          m,
          runner.get,
          n,
          ROW_BATCH,
          async (start, count) => ({ x: x.subarray(start * width, (start + count) * width), shape: [count, width] }),
          (count) => {
            done += count;
            ctx.report({ stage: 'features', done, total, message: `embedding with ${path.basename(m.file)}` });
          },
          ctx.signal,
          // A row's vector is a function of its model input: the input's bytes file it.
          cache ? { cache, digests: rowDigests(x, n, width) } : undefined,
        );
      const a = await embed(inputs.train, data.train.y.length);
      const b = await embed(inputs.test, data.test.y.length);
      [train, test, dim] = [a.phi, b.phi, a.dim || b.dim];
    } finally {
      await runner.close();
    }
  }
  const initHead = m.cut.head ? headInDataOrder(m, data, dim) : undefined;
  return {
    train,
    test,
    dim,
    ...(initHead ? { initHead } : {}),
    // The bytes of the model and the preprocessing it was run with: a saved fit of other ones is not this fit.
    contentKey: modelKey(m),
    source: {
      kind: 'onnx',
      file: m.file,
      description:
        `output ${quote(m.cut.embedding)} of ` +
        `${path.basename(m.file)}${m.specFile ? `, preprocessing ${path.basename(m.specFile)}` : ''}`,
      embeddingOutput: m.cut.embedding,
      embeddingDim: dim,
      ...runtimeNote(state, cache),
      outOfSample: 'cross-fitted',
    },
  };
}

/** Which runtime computed the vectors, or that they were all kept from an earlier run on this model. */
function runtimeNote(state: RunState, cache: EmbeddingCache | undefined): { runtime?: string } {
  if (state.runtime) {
    const kept = cache?.taken ? ` (${formatCount(cache.taken)} vectors kept from an earlier run)` : '';
    return { runtime: `${state.runtime}${kept}` };
  }
  return cache?.taken ? { runtime: `none: all ${formatCount(cache.taken)} vectors kept from an earlier run` } : {};
}

/** What a model's vectors depend on besides the sample: its bytes and the preprocessing it runs with. */
export function modelKey(m: OpenedModel): string {
  return `onnx ${m.contentHash} preprocess ${JSON.stringify(m.spec)} embedding ${m.cut.embedding}`;
}

/** Digests of the rows of a model input matrix. */
function rowDigests(x: Float32Array, n: number, width: number): string[] {
  const bytes = new Uint8Array(x.buffer, x.byteOffset, n * width * 4);
  return Array.from({ length: n }, (_, i) => sampleDigest(bytes.subarray(i * width * 4, (i + 1) * width * 4)));
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
      preprocessFileOf(m.file, m.specFile),
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
