/**
 * Loads a list of image files into one tensor: n × h × w × c, row-major HWC
 * per image, values in [0, 1].
 *
 * - Size: `imageSize`, else the most common size, shrunk so the longer side
 *   is <= 32 (see resize.defaultSize). Every image is resized to it.
 * - Transparency: alpha is composited over WHITE (a transparent background
 *   reads as paper, which is how such images look in a viewer), then dropped.
 * - Channels: `grayscale` true → 1 channel (Rec. 601 luma), false → RGB; auto
 *   (undefined) → 1 channel when every image has R = G = B, else RGB.
 *
 * Memory: headers are read first (cheap) to choose the size; the decode pass
 * writes straight into the output, one image at a time. In auto mode the
 * output starts with 1 channel and is widened to 3 only if a colour image
 * shows up, so a greyscale set never costs 3 floats per pixel.
 */
import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../errors';
import { bytesContentHash } from '../issues/contentHash';
import { checkHeader, decodeImage, type DecodedImage } from './imageDecode';
import { defaultSize, resizePlane } from './resize';

export interface ImageFile {
  abs: string;
  /** The path as the user would open it (used in errors). */
  file: string;
}

export interface ImageLoadOptions {
  imageSize?: [number, number];
  grayscale?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Turns the images into feature vectors instead of pixels (a user's model). */
  features?: ImageEmbedder;
}

/**
 * A user's model (issue 15) as the loader sees it: `embed` decodes and embeds images batch by batch, overlapping
 * decoding with inference, so the pixels of the whole set are never in memory (loadImages' shape is then
 * [1, 1, dims]: the caller replaces the features); `width` is the length of one image's vector, known before any
 * image is embedded, so the working budget can choose the sample first.
 */
export interface ImageEmbedder {
  embed(files: ImageFile[]): Promise<{ x: Float32Array; dims: number }>;
  width(): Promise<number>;
}

export interface ImageTensor {
  x: Float32Array;
  shape: [number, number, number];
  /**
   * Fingerprint of each file's bytes, in file order (exact duplicates, issues/contentHash.ts). Absent when the user's
   * model embedded the images (its own reader holds the bytes): near-duplicates in its embedding still find copies.
   */
  contentHash?: Float64Array;
}

/** Bytes of files kept from the header pass so the decode pass need not read them again. */
const KEEP_BYTES = 256 * 1024 * 1024;
/** Files read at once. */
const BATCH = 32;

/**
 * An image file's bytes; a clear error for what is not a readable regular file. Read synchronously: through
 * fs.promises each small file took five round trips to the thread pool, 1.3 CPU s for 10k MNIST's files (the
 * load stage's largest part), against 0.25 s here. The engine's thread has nothing else to do meanwhile.
 */
export async function readImageBytes(f: ImageFile): Promise<Buffer> {
  try {
    // A FIFO or a device named like an image (a JSONL manifest may name any path) would block or never end.
    const stat = statSync(f.abs);
    if (!stat.isFile())
      throw new InputError(f.file, 'is not a regular file (a device, a pipe or a folder); expected an image file');
    return readFileSync(f.abs);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(f.file, `cannot be read (${(err as Error).message}); expected a readable image file`);
  }
}

/** Images probed for the working budget's shape bound. */
const PROBE_IMAGES = 48;

/**
 * The tensor shape loadImages will most likely give, from a few images spread over the list (the size they
 * agree on, and RGB when one of them has colour): the working budget's bound on the features per image, before
 * any is decoded. A colour image the probe missed widens the set to RGB; the check before training holds that.
 */
async function probeShape(files: ImageFile[], opts: ImageLoadOptions): Promise<[number, number, number]> {
  const step = Math.max(1, files.length / PROBE_IMAGES);
  const picked: ImageFile[] = [];
  for (let i = 0; i < files.length && picked.length < PROBE_IMAGES; i += step) picked.push(files[Math.floor(i)]);
  const images = await Promise.all(picked.map(async (f) => decodeImage(await readImageBytes(f), f.file)));
  const [h, w] = opts.imageSize ?? defaultSize(images.map((img) => [img.height, img.width]));
  const colour = opts.grayscale === false || (opts.grayscale === undefined && images.some((img) => !isGray(img)));
  return [h, w, colour ? 3 : 1];
}

/** The working budget's bound on one image's features (assemble.ts `PlanInput.budget`). */
export interface FeatureBound {
  dims: number;
  /** The decoded shape, when the pixels are the features. */
  imageShape?: [number, number, number];
}

/**
 * What one image will cost as features, before the set is chosen: its pixels' probed shape, or the width of the
 * user's model's vector. (Before, an image set embedded by the user's model was embedded whole, and its vectors
 * sampled to the budget only afterwards: pipeline/frozenSample.ts, which still serves sources read whole.)
 */
export async function imageFeatureBound(files: ImageFile[], opts: ImageLoadOptions): Promise<FeatureBound> {
  if (opts.features) return { dims: await opts.features.width() };
  const imageShape = await probeShape(files, opts);
  return { dims: imageShape[0] * imageShape[1] * imageShape[2], imageShape };
}

/**
 * Only the fingerprints of images whose features come from elsewhere (a JSONL embedding field): each file is read
 * and its header checked (a clear error for what is not an image), never decoded.
 */
export async function imageFingerprints(files: ImageFile[], opts: ImageLoadOptions): Promise<Float64Array> {
  const contentHash = new Float64Array(files.length);
  for (let s = 0; s < files.length; s += BATCH) {
    const bufs = await Promise.all(files.slice(s, s + BATCH).map(readImageBytes));
    bufs.forEach((buf, k) => {
      checkHeader(buf, files[s + k].file);
      contentHash[s + k] = bytesContentHash(buf);
    });
    opts.onProgress?.(Math.min(s + BATCH, files.length), files.length);
  }
  return contentHash;
}

export async function loadImages(files: ImageFile[], opts: ImageLoadOptions): Promise<ImageTensor> {
  if (opts.features) {
    const { x, dims } = await opts.features.embed(files);
    return { x, shape: [1, 1, dims] };
  }
  const n = files.length;
  const kept: (Buffer | undefined)[] = new Array(n);
  let size = opts.imageSize;
  if (!size) {
    const sizes: [number, number][] = [];
    let keptBytes = 0;
    for (let s = 0; s < n; s += BATCH) {
      const bufs = await Promise.all(files.slice(s, s + BATCH).map(readImageBytes));
      bufs.forEach((buf, k) => {
        const header = checkHeader(buf, files[s + k].file);
        sizes.push([header.height, header.width]);
        if (keptBytes + buf.length <= KEEP_BYTES) {
          kept[s + k] = buf;
          keptBytes += buf.length;
        }
      });
    }
    size = defaultSize(sizes);
  }
  const [h, w] = size;
  const plane = h * w;
  let channels = opts.grayscale === false ? 3 : 1;
  let x: Float32Array = new Float32Array(n * plane * channels);
  const contentHash = new Float64Array(n);
  for (let s = 0; s < n; s += BATCH) {
    const bufs = await Promise.all(files.slice(s, s + BATCH).map((f, k) => kept[s + k] ?? readImageBytes(f)));
    bufs.forEach((buf, k) => {
      const i = s + k;
      kept[i] = undefined;
      contentHash[i] = bytesContentHash(buf);
      const img = decodeImage(buf, files[i].file);
      const gray = isGray(img);
      if (opts.grayscale === undefined && channels === 1 && !gray) {
        x = widenToRgb(x, i, plane, n);
        channels = 3;
      }
      const planes = toPlanes(img, channels === 1, gray);
      for (let c = 0; c < channels; c++) {
        const resized = resizePlane(planes[c], img.height, img.width, h, w);
        const base = i * plane * channels + c;
        for (let p = 0; p < plane; p++) {
          // Clamp: bilinear is exact, but float rounding can leave 1.0000001.
          const v = resized[p];
          x[base + p * channels] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
      opts.onProgress?.(i + 1, n);
    });
  }
  return { x, shape: [h, w, channels], contentHash };
}

function isGray(img: DecodedImage): boolean {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

/** Float planes in [0, 1] at the source size, alpha composited over white: 1 plane (luma) or 3 (RGB). */
function toPlanes(img: DecodedImage, oneChannel: boolean, gray: boolean): Float32Array[] {
  const count = img.width * img.height;
  const d = img.data;
  const planes = Array.from({ length: oneChannel ? 1 : 3 }, () => new Float32Array(count));
  for (let p = 0; p < count; p++) {
    const a = d[p * 4 + 3] / 255;
    const white = 1 - a;
    const r = (d[p * 4] / 255) * a + white;
    if (oneChannel) {
      planes[0][p] = gray ? r : ((0.299 * d[p * 4] + 0.587 * d[p * 4 + 1] + 0.114 * d[p * 4 + 2]) / 255) * a + white;
    } else {
      planes[0][p] = r;
      planes[1][p] = (d[p * 4 + 1] / 255) * a + white;
      planes[2][p] = (d[p * 4 + 2] / 255) * a + white;
    }
  }
  return planes;
}

/** The first `done` 1-channel images copied into a new 3-channel buffer (grey replicated). */
function widenToRgb(x: Float32Array, done: number, plane: number, n: number): Float32Array {
  const out = new Float32Array(n * plane * 3);
  for (let j = 0; j < done * plane; j++) {
    const v = x[j];
    out[j * 3] = v;
    out[j * 3 + 1] = v;
    out[j * 3 + 2] = v;
  }
  return out;
}
