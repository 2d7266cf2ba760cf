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
 * Memory: on one thread, headers are read first (cheap) to choose the size;
 * on two (a large set), the pass decodes at a likely size and checks it
 * against every header after (loadOnTwoThreads). The decode pass writes
 * straight into the output, one image at a time. In auto mode the output
 * starts with 1 channel and is widened to 3 only if a colour image shows up,
 * so a greyscale set never costs 3 floats per pixel.
 */
import { bytesContentHash } from '../issues/contentHash';
import { decodeChunk, isGray } from './decodeChunk';
import { type ImageFile, readImageBytesSync } from './imageBytes';
import { checkHeader, decodeImage, type ImageHeader, readImageHeader } from './imageDecode';
import { cutIntoRuns } from './imageRuns';
import { DecodeHelper } from './parallelDecode';
import { defaultSize } from './resize';

export type { ImageFile } from './imageBytes';

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

/** An image file's bytes (imageBytes.ts), for callers that read a few at a time. */
export async function readImageBytes(f: ImageFile): Promise<Buffer> {
  return readImageBytesSync(f);
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
  const { runs, ...rest } = await loadImageRuns(files, opts, [files.length]);
  return { x: runs[0], ...rest };
}

/**
 * loadImages with the values cut into runs of counts[k] images (imageRuns.ts; the counts add up to the list), each
 * its own array in shared memory where there is any (a single run may be elsewhere): an image dataset's training and
 * test samples. `helper`: a decoding thread the caller started ahead (and closes); else a large set starts its own.
 */
export async function loadImageRuns(
  files: ImageFile[],
  opts: ImageLoadOptions,
  counts: number[],
  helper?: DecodeHelper,
): Promise<ImageRuns> {
  if (opts.features) {
    const { x, dims } = await opts.features.embed(files);
    return { runs: cutIntoRuns(x, counts, dims), shape: [1, 1, dims] };
  }
  const own = helper ? undefined : DecodeHelper.start(files.length);
  const decoding = helper ?? own;
  if (!decoding) return loadOnOneThread(files, opts, counts);
  try {
    return await loadOnTwoThreads(decoding, files, opts, counts);
  } finally {
    await own?.close();
  }
}

type ImageRuns = Omit<ImageTensor, 'x'> & { runs: Float32Array[] };

/** One thread: the headers first (the set's size), their bytes kept for the decode pass. */
async function loadOnOneThread(files: ImageFile[], opts: ImageLoadOptions, counts: number[]): Promise<ImageRuns> {
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
  const { x, channels, contentHash } = decodeChunk(0, n, {
    size,
    grayscale: opts.grayscale,
    bytes: (i) => {
      const buf = kept[i] ?? readImageBytesSync(files[i]);
      kept[i] = undefined;
      return buf;
    },
    file: (i) => files[i].file,
    onImage: (i) => opts.onProgress?.(i + 1, n),
  });
  return {
    runs: cutIntoRuns(x, counts, size[0] * size[1] * channels),
    shape: [size[0], size[1], channels],
    contentHash,
  };
}

/**
 * Two threads (parallelDecode.ts), and no header pass ahead of the decoding: on 10k MNIST it held the other core idle
 * while this thread read every file (~0.25 s). The pass reads and decodes at the size asked for, else at the size the
 * headers of a few images spread over the list give; the headers it reads then give the set's size, and a set whose
 * size that was not (mixed sizes, the few unlike the whole) is decoded again at its own.
 */
async function loadOnTwoThreads(
  helper: DecodeHelper,
  files: ImageFile[],
  opts: ImageLoadOptions,
  counts: number[],
): Promise<ImageRuns> {
  const guess = opts.imageSize ?? sizeOfSome(files);
  const first = await helper.decode(files, guess, opts.grayscale, counts, opts.onProgress);
  const size = opts.imageSize ?? defaultSize(sizePairs(first.sizes));
  const out =
    size[0] === guess[0] && size[1] === guess[1]
      ? first
      : await helper.decode(files, size, opts.grayscale, counts, opts.onProgress);
  return { runs: out.runs, shape: [size[0], size[1], out.channels], contentHash: out.contentHash };
}

/**
 * defaultSize over the headers of PROBE_IMAGES images spread over the list (those that cannot be read or have no
 * readable header left out: the decode pass names them). With none readable, any size: the pass fails on them, or
 * finds the set's size and decodes again.
 */
function sizeOfSome(files: ImageFile[]): [number, number] {
  const sizes: [number, number][] = [];
  const step = Math.max(1, files.length / PROBE_IMAGES);
  for (let i = 0; i < files.length && sizes.length < PROBE_IMAGES; i += step) {
    let header: ImageHeader | null = null;
    try {
      header = readImageHeader(readImageBytesSync(files[Math.floor(i)]));
    } catch {
      // An unreadable file: the decode pass reports it.
    }
    if (header) sizes.push([header.height, header.width]);
  }
  return sizes.length > 0 ? defaultSize(sizes) : [1, 1];
}

/** [height, width] pairs from sizes laid out end to end. */
function sizePairs(sizes: Int32Array): [number, number][] {
  return Array.from({ length: sizes.length / 2 }, (_, i) => [sizes[2 * i], sizes[2 * i + 1]]);
}
