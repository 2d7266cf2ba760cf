/**
 * A reader for NumPy's .npy format (version 1.0–3.0), for embedding side
 * files: a magic string, a header (a Python dict literal giving dtype,
 * fortran_order and shape), then the raw values. Only what an embedding
 * matrix is written as: a 1-D or 2-D array of float32 or float64 (either
 * byte order), C order. Anything else is an InputError naming the file and
 * what was expected — never a silently misread matrix.
 *
 * Written here rather than taken from npm: `npyjs` (the common one) fetches
 * by URL and targets the browser, and the format is sixty lines.
 */
import { InputError } from '../../errors';

export interface NpyMatrix {
  rows: number;
  cols: number;
  /** Row-major values: float32 files as float32, float64 files as float64. */
  values: Float32Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function readNpy(bytes: Uint8Array, file: string): NpyMatrix {
  const bad = (detail: string) => new InputError(file, detail);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw bad('is not a NumPy .npy file (no \\x93NUMPY magic at the start); expected an array saved with numpy.save');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('ends inside its header; expected a complete .npy file');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw bad(`is .npy format version ${major}; expected version 1, 2 or 3`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw bad('ends inside its header; expected a complete .npy file');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw bad(
      `has a header without descr, fortran_order and shape ` +
        `(${JSON.stringify(header.trim().slice(0, 80))}); expected a .npy header`,
    );
  }
  const width = { '<f4': 4, '<f8': 8, '>f4': 4, '>f8': 8, '=f4': 4, '=f8': 8, '|f4': 4, '|f8': 8 }[descr];
  if (width === undefined) throw bad(`holds dtype '${descr}'; expected float32 or float64 values`);
  if (fortran === 'True')
    throw bad(
      'is stored in Fortran (column-major) order; expected C order (numpy.ascontiguousarray before numpy.save)',
    );
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.length < 1 || shape.length > 2 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw bad(`has shape (${shapeText}); expected a 2-D array, one row per sample (or 1-D, one value per sample)`);
  }
  const rows = shape[0];
  const cols = shape.length === 2 ? shape[1] : 1;
  const count = rows * cols;
  if (bytes.length - dataStart < count * width) {
    throw bad(
      `holds ${Math.floor((bytes.length - dataStart) / width)} values after ` +
        `its header; expected ${rows} × ${cols} = ${count}`,
    );
  }
  const littleEndian = descr[0] !== '>';
  // float32 stays float32: an embeddings file is often hundreds of MB, and float64 would double it while loading.
  const values =
    littleEndian === HOST_LITTLE_ENDIAN
      ? nativeValues(bytes, dataStart, count, width)
      : swappedValues(view, dataStart, count, width, littleEndian);
  return { rows, cols, values };
}

/**
 * Values in the host's byte order: a view of the file's bytes where they are aligned (numpy pads the header so the
 * data starts on a 64-byte boundary), so a matrix of hundreds of MB is not held twice while it loads; one block copy
 * where they are not. The callers only read the values (gatherRows copies the rows it keeps).
 */
function nativeValues(bytes: Uint8Array, start: number, count: number, width: number): Float32Array | Float64Array {
  let buffer = bytes.buffer;
  let offset = bytes.byteOffset + start;
  if (offset % width !== 0) {
    const copy = new Uint8Array(count * width);
    copy.set(bytes.subarray(start, start + count * width));
    [buffer, offset] = [copy.buffer, 0];
  }
  return width === 4 ? new Float32Array(buffer, offset, count) : new Float64Array(buffer, offset, count);
}

/** Values written in the other byte order, read one by one. */
function swappedValues(
  view: DataView,
  start: number,
  count: number,
  width: number,
  littleEndian: boolean,
): Float32Array | Float64Array {
  const values = width === 4 ? new Float32Array(count) : new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const at = start + k * width;
    values[k] = width === 4 ? view.getFloat32(at, littleEndian) : view.getFloat64(at, littleEndian);
  }
  return values;
}

/** Writes a float32/float64 C-order .npy (version 1.0): the tests' and the benchmark's way of making side files. */
export function writeNpy(
  values: Float32Array | Float64Array,
  shape: [number, number] | [number],
  bigEndian = false,
): Uint8Array {
  const width = values instanceof Float32Array ? 4 : 8;
  const dims = shape.length === 1 ? `${shape[0]},` : `${shape[0]}, ${shape[1]}`;
  let header = `{'descr': '${bigEndian ? '>' : '<'}f${width}', 'fortran_order': False, 'shape': (${dims}), }`;
  // The data starts on a 64-byte boundary; the header ends with a newline.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + values.length * width);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  for (let k = 0; k < values.length; k++) {
    if (width === 4) view.setFloat32(start + k * 4, values[k], !bigEndian);
    else view.setFloat64(start + k * 8, values[k], !bigEndian);
  }
  return out;
}
