/**
 * PNG and JPEG decoding in pure JavaScript (pngjs, jpeg-js), so the engine
 * runs wherever Node runs (remote hosts, containers) without native builds.
 *
 * The size in the file header is read BEFORE decoding, and images above
 * MAX_PIXELS are refused: a small file can declare a huge image (a
 * decompression bomb) that would exhaust memory when decoded.
 */
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { InputError } from '../errors';

export const MAX_PIXELS = 50_000_000;
const IMAGE_EXT_RE = /\.(png|jpe?g)$/i;

export function isImageName(name: string): boolean {
  return IMAGE_EXT_RE.test(name);
}

export interface ImageHeader {
  type: 'png' | 'jpeg';
  width: number;
  height: number;
}

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 8 bits per channel, row-major. */
  data: Uint8Array;
}

/** Type and size from the first bytes (the content decides, not the extension); null when unrecognised. */
export function readImageHeader(buf: Uint8Array): ImageHeader | null {
  const isPng = buf.length >= 24 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47;
  if (isPng) {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    return { type: 'png', width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) return readJpegSize(buf);
  return null;
}

/** Walks the JPEG marker segments up to the frame header (SOFn), which holds the size. */
function readJpegSize(buf: Uint8Array): ImageHeader | null {
  let i = 2;
  while (i + 3 < buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    // Markers without a length: TEM, RST0-7, SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2;
      continue;
    }
    const length = (buf[i + 2] << 8) | buf[i + 3];
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (i + 8 >= buf.length) return null;
      return { type: 'jpeg', height: (buf[i + 5] << 8) | buf[i + 6], width: (buf[i + 7] << 8) | buf[i + 8] };
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / scan before any frame header
    i += 2 + length;
  }
  return null;
}

/** Checks the header (recognised, non-empty, not a bomb); `file` names the image in errors. */
export function checkHeader(buf: Uint8Array, file: string): ImageHeader {
  const header = readImageHeader(buf);
  if (!header) {
    throw new InputError(
      file,
      'is not a readable PNG or JPEG (no valid header found); expected a .png or .jpg image file',
    );
  }
  if (header.width === 0 || header.height === 0) {
    throw new InputError(
      file,
      `declares an empty ${header.width}×${header.height} image; expected a positive width and height`,
    );
  }
  if (header.width * header.height > MAX_PIXELS) {
    throw new InputError(
      file,
      `declares a ${header.width}×${header.height} image ` +
        `(${((header.width * header.height) / 1e6).toFixed(0)} megapixels); ` +
        `expected at most ${MAX_PIXELS / 1e6} megapixels (refused unread: it could exhaust memory)`,
    );
  }
  return header;
}

/** Decodes a PNG or JPEG to RGBA. Throws InputError naming the file when it is corrupt or truncated. */
export function decodeImage(buf: Uint8Array, file: string): DecodedImage {
  const header = checkHeader(buf, file);
  const kind = header.type === 'png' ? 'PNG' : 'JPEG';
  let out: DecodedImage;
  try {
    if (header.type === 'png') {
      // pngjs rescales 16-bit to 8-bit and expands palettes/grey to RGBA.
      const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
      out = { width: png.width, height: png.height, data: png.data };
    } else {
      const img = decodeJpeg(buf, {
        useTArray: true,
        formatAsRGBA: true,
        tolerantDecoding: false,
        maxResolutionInMP: MAX_PIXELS / 1e6,
        maxMemoryUsageInMB: 2048,
      });
      out = { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    // pngjs reports a file that ends early as a stream error; say what it means.
    const raw = (err as Error).message;
    const why = /finished stream|unexpected end/i.test(raw) ? 'the data ends early: the file looks truncated' : raw;
    throw new InputError(file, `could not decode the ${kind} image (${why}); expected a complete, valid ${kind} file`);
  }
  if (out.width !== header.width || out.height !== header.height || out.data.length < out.width * out.height * 4) {
    throw new InputError(
      file,
      `the decoded ${kind} image does not match its header; expected a complete, valid ${kind} file`,
    );
  }
  return out;
}
