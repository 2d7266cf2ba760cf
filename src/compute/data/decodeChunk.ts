/**
 * Decoding a run of image files into one tensor at a given size: the loop of loadImages (imageSet.ts), shared by the
 * loading thread and the decoding thread that takes part of a large folder (parallelDecode.ts). Every image gives the
 * same floats wherever it is decoded: a chunk decoded on its own and widened to RGB afterwards (widenToRgb) holds the
 * values one pass over all the images writes, since a grey image's three planes are its one plane.
 */
import { bytesContentHash } from '../issues/contentHash';
import { type DecodedImage, decodeImage } from './imageDecode';
import { resizePlane } from './resize';

/** Images `from..to` of a list decoded to `size`: n × h × w × channels, values in [0, 1]. */
export interface DecodedChunk {
  x: Float32Array;
  channels: 1 | 3;
  /** issues/contentHash.ts's fingerprint of each file's bytes. */
  contentHash: Float64Array;
}

export interface ChunkSpec {
  size: [number, number];
  /** true: luma, false: RGB, undefined: grey unless an image of the chunk is coloured. */
  grayscale?: boolean;
  /** The bytes of image i (its index in the whole list) and the name it has in errors. */
  bytes: (i: number) => Uint8Array;
  file: (i: number) => string;
  /** After each image, its index. */
  onImage?: (i: number) => void;
}

export function decodeChunk(from: number, to: number, spec: ChunkSpec): DecodedChunk {
  const [h, w] = spec.size;
  const n = to - from;
  const plane = h * w;
  let channels: 1 | 3 = spec.grayscale === false ? 3 : 1;
  let x: Float32Array = new Float32Array(n * plane * channels);
  const contentHash = new Float64Array(n);
  for (let i = from; i < to; i++) {
    const at = i - from;
    const buf = spec.bytes(i);
    contentHash[at] = bytesContentHash(buf);
    const img = decodeImage(buf, spec.file(i));
    const gray = isGray(img);
    if (spec.grayscale === undefined && channels === 1 && !gray) {
      x = widenToRgb(x, at, plane, n);
      channels = 3;
    }
    const planes = toPlanes(img, channels === 1, gray);
    for (let c = 0; c < channels; c++) {
      const resized = resizePlane(planes[c], img.height, img.width, h, w);
      const base = at * plane * channels + c;
      for (let p = 0; p < plane; p++) {
        // Clamp: bilinear is exact, but float rounding can leave 1.0000001.
        const v = resized[p];
        x[base + p * channels] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
    spec.onImage?.(i);
  }
  return { x, channels, contentHash };
}

export function isGray(img: DecodedImage): boolean {
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

/** The first `done` 1-channel images of x copied into a new 3-channel buffer of n images (grey replicated). */
export function widenToRgb(x: Float32Array, done: number, plane: number, n: number): Float32Array {
  const out = new Float32Array(n * plane * 3);
  for (let j = 0; j < done * plane; j++) {
    const v = x[j];
    out[j * 3] = v;
    out[j * 3 + 1] = v;
    out[j * 3 + 2] = v;
  }
  return out;
}
