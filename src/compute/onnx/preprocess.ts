/**
 * How the dataset's samples become the model's input, from a small JSON
 * (`<model>.preprocess.json` beside the model, or --preprocess) and the
 * model's own input shape where it is fixed:
 *   { "size": [224, 224], "channels": 3, "layout": "NCHW",
 *     "scale": 0.00392156862745098, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
 *     "columns": ["sepal_length", …], "classes": ["cat", "dog"] }
 * Images: pixel value v in 0..255 → (v·scale − mean[c]) / std[c] (defaults
 * scale 1/255, mean 0, std 1). Tables: the named numeric columns in that
 * order, as they are in the file. `classes`: the model's output order, when
 * it is not the dataset's sorted class order.
 */
import { promises as fsp } from 'node:fs';
import { readInputFile } from '../data/files';
import { InputError } from '../errors';

export interface PreprocessSpec {
  size?: [number, number];
  channels?: number;
  layout?: 'NCHW' | 'NHWC';
  scale?: number;
  mean?: number[];
  std?: number[];
  columns?: string[];
  classes?: string[];
}

const isNumberArray = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function parsePreprocess(text: string, file: string): PreprocessSpec {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new InputError(
      file,
      `invalid JSON (${(err as Error).message}); expected the model's preprocessing as one JSON object`,
    );
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new InputError(file, 'is not a JSON object; expected {"size": [h, w], "layout": "NCHW", …}');
  const o = v as Record<string, unknown>;
  const bad = (key: string, expected: string) =>
    new InputError(file, `"${key}" is ${JSON.stringify(o[key])}; expected ${expected}`);
  const known = new Set(['size', 'channels', 'layout', 'scale', 'mean', 'std', 'columns', 'classes']);
  const unknown = Object.keys(o).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new InputError(
      file,
      `has unknown key${unknown.length > 1 ? 's' : ''} ` +
        `${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected only ` +
        `${[...known].join(', ')}`,
    );
  const spec: PreprocessSpec = {};
  if (o.size !== undefined) {
    if (!isNumberArray(o.size) || o.size.length !== 2 || o.size.some((d) => !Number.isInteger(d) || d < 1 || d > 4096))
      throw bad('size', '[height, width] in pixels');
    spec.size = [o.size[0], o.size[1]];
  }
  if (o.channels !== undefined) {
    if (o.channels !== 1 && o.channels !== 3) throw bad('channels', '1 (grey) or 3 (RGB)');
    spec.channels = o.channels;
  }
  if (o.layout !== undefined) {
    if (o.layout !== 'NCHW' && o.layout !== 'NHWC') throw bad('layout', '"NCHW" (PyTorch) or "NHWC" (Keras)');
    spec.layout = o.layout;
  }
  if (o.scale !== undefined) {
    if (typeof o.scale !== 'number' || !Number.isFinite(o.scale) || o.scale === 0)
      throw bad('scale', 'a non-zero number multiplying the 0–255 pixel value');
    spec.scale = o.scale;
  }
  for (const key of ['mean', 'std'] as const) {
    if (o[key] === undefined) continue;
    const arr = o[key];
    if (!isNumberArray(arr) || (arr.length !== 1 && arr.length !== 3) || (key === 'std' && arr.some((x) => x === 0))) {
      throw bad(key, key === 'std' ? 'non-zero numbers, one per channel' : 'numbers, one per channel');
    }
    spec[key] = arr;
  }
  if (o.columns !== undefined) {
    if (!isStringArray(o.columns) || o.columns.length === 0)
      throw bad('columns', 'the names of the numeric columns the model takes, in its order');
    spec.columns = o.columns;
  }
  if (o.classes !== undefined) {
    if (!isStringArray(o.classes) || o.classes.length < 2)
      throw bad('classes', "the class names in the order of the model's outputs");
    spec.classes = o.classes;
  }
  return spec;
}

/** The preprocessing file a model reads: the one given, else `<model>.preprocess.json` beside it. */
export function preprocessFileOf(modelFile: string, given?: string): string {
  return given ?? `${modelFile.replace(/\.onnx$/i, '')}.preprocess.json`;
}

/** The spec from `file` when given (it must exist), else from `<model>.preprocess.json` when that exists, else {}. */
export async function readPreprocess(
  modelFile: string,
  given?: string,
): Promise<{ spec: PreprocessSpec; file?: string }> {
  const file = preprocessFileOf(modelFile, given);
  let text: string;
  try {
    text = (await readInputFile(file, file, "the model's preprocessing JSON")).toString('utf8');
  } catch (err) {
    // The file beside the model is optional: without one, the model's inputs are taken as they come. One that is
    // there but cannot be read (a folder, a pipe, a broken link, no permission) is an error: taking the inputs as
    // they come would silently drop the preprocessing its name promises.
    if (
      given === undefined &&
      !(await fsp.lstat(file).then(
        () => true,
        () => false,
      ))
    )
      return { spec: {} };
    throw err;
  }
  return { spec: parsePreprocess(text, file), file };
}

/**
 * The image input the model takes: size, channels and layout, from its shape and the spec (the spec must agree with
 * fixed dims).
 */
export interface ImageInput {
  height: number;
  width: number;
  channels: number;
  layout: 'NCHW' | 'NHWC';
}

export function imageInput(shape: number[], spec: PreprocessSpec, modelFile: string): ImageInput {
  if (shape.length !== 4)
    throw new InputError(
      modelFile,
      `takes an input of rank ${shape.length} ([${shape.join(', ')}]); ` +
        `expected an image batch [N, C, H, W] or [N, H, W, C]`,
    );
  const channelsFirst = shape[1] === 1 || shape[1] === 3;
  const channelsLast = shape[3] === 1 || shape[3] === 3;
  const layout = spec.layout ?? (channelsFirst ? 'NCHW' : channelsLast ? 'NHWC' : undefined);
  if (!layout)
    throw new InputError(
      modelFile,
      `takes [${shape.join(', ')}], where neither dim 1 nor dim 3 is 1 or 3 ` +
        `channels; expected "layout" in the preprocessing JSON`,
    );
  const [c, h, w] = layout === 'NCHW' ? [shape[1], shape[2], shape[3]] : [shape[3], shape[1], shape[2]];
  const channels = c > 0 ? c : (spec.channels ?? 3);
  if (channels !== 1 && channels !== 3)
    throw new InputError(
      modelFile,
      `takes ${channels} channels ([${shape.join(', ')}], ${layout}); expected 1 (grey) or 3 (RGB)`,
    );
  if (spec.channels !== undefined && spec.channels !== channels)
    throw new InputError(
      modelFile,
      `takes ${channels} channels, the preprocessing JSON says ${spec.channels}; expected them to agree`,
    );
  const height = h > 0 ? h : spec.size?.[0];
  const width = w > 0 ? w : spec.size?.[1];
  if (height === undefined || width === undefined)
    throw new InputError(
      modelFile,
      `takes images of free size ([${shape.join(', ')}]); expected "size": [height, width] in the preprocessing JSON`,
    );
  for (const key of ['mean', 'std'] as const) {
    const values = spec[key];
    if (values && values.length !== 1 && values.length !== channels)
      throw new InputError(
        modelFile,
        `takes ${channels} channel${channels === 1 ? '' : 's'}, the preprocessing JSON's "${key}" has ` +
          `${values.length} values; expected 1, or one per channel`,
      );
  }
  if (spec.size && (spec.size[0] !== height || spec.size[1] !== width)) {
    throw new InputError(
      modelFile,
      `takes ${height}×${width} images, the preprocessing JSON says ` +
        `${spec.size[0]}×${spec.size[1]}; expected them to agree`,
    );
  }
  return { height, width, channels, layout };
}

/** HWC pixels in [0, 1] (as the image loader gives them) → the model's layout and normalisation, for `n` images. */
export function toModelInput(x: Float32Array, n: number, input: ImageInput, spec: PreprocessSpec): Float32Array {
  const { height: h, width: w, channels: c, layout } = input;
  const scale = (spec.scale ?? 1 / 255) * 255;
  const mean = (k: number) => spec.mean?.[spec.mean.length === 1 ? 0 : k] ?? 0;
  const std = (k: number) => spec.std?.[spec.std.length === 1 ? 0 : k] ?? 1;
  const out = new Float32Array(n * h * w * c);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * plane * c;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) {
        const v = (x[base + p * c + k] * scale - mean(k)) / std(k);
        out[layout === 'NHWC' ? base + p * c + k : base + k * plane + p] = v;
      }
    }
  }
  return out;
}
