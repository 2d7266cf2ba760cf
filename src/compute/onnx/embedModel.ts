/**
 * The user's ONNX classifier as a feature source: open it, find the
 * embedding and the final layer (findHead.ts), cut the graph at the
 * embedding, and run the dataset through it in batches. Images are loaded at
 * the model's input size (the loader resizes), then laid out and normalised
 * as the preprocessing says; tables feed the named columns as written.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { throwIfAborted } from '../cancel';
import { InputError } from '../errors';
import { readColumns } from '../data/embeddings/readers';
import { gatherRows, type RowMatrix } from '../data/embeddings/rowMatrix';
import type { DatasetFiles } from '../data/embeddings/embeddingSource';
import { relativePosix } from '../data/files';
import { quote } from '../data/quote';
import type { FrozenFeatures } from '../pipeline/fitFrozen';
import type { Progress } from '../pipeline/options';
import type { LoadedDataset } from '../types';
import { findHead, type GraphCut } from './findHead';
import { type ImageInput, imageInput, type PreprocessSpec, readPreprocess, toModelInput } from './preprocess';
import { openRunner } from './runtime';

export interface OpenedModel {
  file: string;
  cut: GraphCut;
  /** The model with the embedding as its only output. */
  cutBytes: Uint8Array;
  spec: PreprocessSpec;
  specFile?: string;
  /** For an image model: what the loader must produce. */
  image?: ImageInput;
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
    throw new InputError(file, `is not an ONNX model (${(err as Error).message}); expected a .onnx file (a ModelProto)`);
  }
  const cut = findHead(model, file, embeddingOutput);
  const { spec, file: specFile } = await readPreprocess(file, preprocessFile);
  const image = cut.inputShape.length === 4 ? imageInput(cut.inputShape, spec, file) : undefined;
  if (!image && cut.inputShape.length !== 2) {
    throw new InputError(file, `takes an input of shape [${cut.inputShape.join(', ')}]; expected [N, features] (a table) or [N, C, H, W] / [N, H, W, C] (images)`);
  }
  // The cut: the embedding becomes the only output, so the runtime computes nothing past it.
  model.graph!.output = [onnx.ValueInfoProto.create({ name: cut.embedding })];
  return { file, cut, cutBytes: onnx.ModelProto.encode(model).finish(), spec, ...(specFile ? { specFile } : {}), ...(image ? { image } : {}) };
}

/** What the loader must do for this model: image size and channels. */
export function modelLoadOptions(m: OpenedModel): { imageSize?: [number, number]; grayscale?: boolean } {
  return m.image ? { imageSize: [m.image.height, m.image.width], grayscale: m.image.channels === 1 } : {};
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

export async function embedWithModel(m: OpenedModel, data: LoadedDataset, files: DatasetFiles, ctx: EmbedContext): Promise<ModelFeatures> {
  const inputs = await modelInputs(m, data, files);
  const runner = await openRunner(m.cutBytes, m.cut.input, m.cut.embedding, m.file);
  try {
    const total = data.train.y.length + data.test.y.length;
    let done = 0;
    const embed = async (x: Float32Array, n: number): Promise<{ phi: Float32Array; dim: number }> => {
      const per = x.length / Math.max(n, 1);
      const batch = m.image ? 32 : 1024;
      let phi: Float32Array | null = null;
      let dim = 0;
      for (let start = 0; start < n; start += batch) {
        throwIfAborted(ctx.signal);
        const b = Math.min(batch, n - start);
        const shape = [b, ...inputs.sampleShape];
        const out = await runner.run(x.subarray(start * per, (start + b) * per), shape);
        if (out.dims[0] !== b) throw new InputError(m.file, `the embedding ${quote(m.cut.embedding)} has shape [${out.dims.join(', ')}] for a batch of ${b}; expected the batch as its first dimension`);
        const d = out.data.length / b;
        if (!phi) {
          dim = d;
          phi = new Float32Array(n * d);
        }
        phi.set(out.data, start * dim);
        done += b;
        ctx.report({ stage: 'features', done, total, message: `embedding with ${path.basename(m.file)}` });
      }
      for (let k = 0; k < (phi?.length ?? 0); k++) {
        if (!Number.isFinite(phi![k])) throw new InputError(m.file, `the embedding ${quote(m.cut.embedding)} of sample ${Math.floor(k / dim) + 1} holds ${phi![k]}; expected finite numbers`);
      }
      return { phi: phi ?? new Float32Array(0), dim };
    };
    const train = await embed(inputs.train, data.train.y.length);
    const test = await embed(inputs.test, data.test.y.length);
    const dim = train.dim || test.dim;
    const initHead = m.cut.head ? headInDataOrder(m, data, dim) : undefined;
    return {
      train: train.phi,
      test: test.phi,
      dim,
      ...(initHead ? { initHead } : {}),
      source: {
        kind: 'onnx',
        file: m.file,
        description: `output ${quote(m.cut.embedding)} of ${path.basename(m.file)}${m.specFile ? `, preprocessing ${path.basename(m.specFile)}` : ''}`,
        embeddingOutput: m.cut.embedding,
        embeddingDim: dim,
        runtime: runner.description,
        outOfSample: 'cross-fitted',
      },
    };
  } finally {
    await runner.dispose();
  }
}

/** The model's final layer as a head over the dataset's classes (in the dataset's sorted order); refuses a class count that differs. */
function headInDataOrder(m: OpenedModel, data: LoadedDataset, dim: number): Float64Array {
  const head = m.cut.head!;
  const c = data.classes.length;
  if (head.numClasses !== c) {
    throw new InputError(m.file, `its final layer (${head.node}) has ${head.numClasses} outputs; expected ${c}, one per class of the dataset (${data.classes.map((k) => quote(k)).join(', ')})`);
  }
  if (head.featureDim !== dim) throw new InputError(m.file, `its final layer takes ${head.featureDim} features, the embedding has ${dim}; expected them to agree`);
  let order = data.classes.map((_, k) => k);
  if (m.spec.classes) {
    const modelClasses = m.spec.classes;
    const missing = data.classes.filter((k) => !modelClasses.includes(k));
    if (missing.length > 0 || modelClasses.length !== c) {
      throw new InputError(m.specFile ?? m.file, `"classes" lists ${modelClasses.map((k) => quote(k)).join(', ')}; expected the dataset's classes ${data.classes.map((k) => quote(k)).join(', ')} in the model's output order`);
    }
    order = data.classes.map((k) => modelClasses.indexOf(k));
  }
  const out = new Float64Array((dim + 1) * c);
  for (let j = 0; j < dim; j++) for (let k = 0; k < c; k++) out[j * c + k] = head.kernel[j * c + order[k]];
  for (let k = 0; k < c; k++) out[dim * c + k] = head.bias[order[k]];
  return out;
}

/** The model's input for both splits, and one sample's shape. */
async function modelInputs(m: OpenedModel, data: LoadedDataset, files: DatasetFiles): Promise<{ train: Float32Array; test: Float32Array; sampleShape: number[] }> {
  if (m.image) {
    const img = m.image;
    if (!data.imageShape) throw new InputError(files.file, `is a table, but ${m.file} takes images [${m.cut.inputShape.join(', ')}]; expected an image folder or a JSONL of image paths`);
    const [h, w, c] = data.imageShape;
    if (h !== img.height || w !== img.width || c !== img.channels) throw new Error(`images loaded as ${h}×${w}×${c}, the model takes ${img.height}×${img.width}×${img.channels}`);
    const sampleShape = img.layout === 'NCHW' ? [c, h, w] : [h, w, c];
    return {
      train: toModelInput(data.train.x, data.train.y.length, img, m.spec),
      test: toModelInput(data.test.x, data.test.y.length, img, m.spec),
      sampleShape,
    };
  }
  const k = m.cut.inputShape[1];
  if (data.format !== 'csv') throw new InputError(files.file, `is not a CSV/TSV table, but ${m.file} takes rows of ${k > 0 ? k : 'some'} numbers; expected a CSV/TSV dataset`);
  const columns = m.spec.columns;
  if (!columns) throw new InputError(m.specFile ?? `${m.file.replace(/\.onnx$/i, '')}.preprocess.json`, `is needed: ${path.basename(m.file)} takes rows of ${k > 0 ? k : 'some'} numbers; expected {"columns": [...]} naming the columns it takes, in its order`);
  if (k > 0 && columns.length !== k) throw new InputError(m.specFile ?? m.file, `"columns" names ${columns.length}; expected ${k}, the model's input width`);
  const byPath = new Map<string, RowMatrix>();
  const list = [{ file: files.file, abs: files.abs }];
  if (files.testFile && files.testAbs) list.push({ file: files.testFile, abs: files.testAbs });
  for (const f of list) byPath.set(relativePosix(data.root, f.abs), await readColumns(f.abs, f.file, { names: columns }));
  return { train: gatherRows(data.train.sources, byPath, files.file), test: gatherRows(data.test.sources, byPath, files.file), sampleShape: [columns.length] };
}
