/**
 * A binary container for a Fitted: magic, a JSON header (format version,
 * what the arrays are), then the typed arrays, each 8-byte aligned. Decoding
 * checks every size against the file's length, so a truncated or foreign file
 * is refused with a reason (the caller re-fits), never read past its end.
 */
export const FIT_MAGIC = 'ILFIT\n\0\0';

export type ArrayKind = 'f32' | 'f64' | 'i32';
type Typed = Float32Array | Float64Array | Int32Array;

export interface ArrayEntry {
  name: string;
  kind: ArrayKind;
  length: number;
}

export class FitFileError extends Error {
  override readonly name = 'FitFileError';
}

const BYTES: Record<ArrayKind, number> = { f32: 4, f64: 8, i32: 4 };
const pad8 = (n: number) => (n + 7) & ~7;

function kindOf(a: Typed): ArrayKind {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  return 'i32';
}

export function encodeFitFile(header: object, arrays: Map<string, Typed>): Buffer {
  const entries: ArrayEntry[] = [...arrays].map(([name, a]) => ({ name, kind: kindOf(a), length: a.length }));
  const json = Buffer.from(JSON.stringify({ ...header, arrays: entries }), 'utf8');
  const headerBytes = pad8(json.length);
  let total = 16 + headerBytes;
  for (const e of entries) total += pad8(e.length * BYTES[e.kind]);
  const out = Buffer.alloc(total, 0x20);
  out.write(FIT_MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  out.writeUInt32LE(0, 12);
  json.copy(out, 16);
  let offset = 16 + headerBytes;
  for (const a of arrays.values()) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    out.set(bytes, offset);
    out.fill(0, offset + a.byteLength, offset + pad8(a.byteLength));
    offset += pad8(a.byteLength);
  }
  return out;
}

export function decodeFitFile(buf: Buffer): { header: Record<string, unknown>; arrays: Map<string, Typed> } {
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== FIT_MAGIC)
    throw new FitFileError('not a saved fit (bad magic)');
  const jsonLength = buf.readUInt32LE(8);
  if (16 + jsonLength > buf.length) throw new FitFileError('header runs past the end of the file');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + jsonLength)) as Record<string, unknown>;
  } catch {
    throw new FitFileError('header is not JSON');
  }
  const entries = header.arrays;
  if (!Array.isArray(entries)) throw new FitFileError('header lists no arrays');
  let offset = 16 + pad8(jsonLength);
  const arrays = new Map<string, Typed>();
  for (const e of entries as ArrayEntry[]) {
    if (typeof e?.name !== 'string' || !(e.kind in BYTES) || !Number.isSafeInteger(e.length) || e.length < 0) {
      throw new FitFileError('malformed array entry');
    }
    const bytes = e.length * BYTES[e.kind];
    if (offset + bytes > buf.length) throw new FitFileError(`array ${e.name} runs past the end of the file`);
    // Copied into its own aligned buffer: the file's buffer may not be aligned for Float64Array.
    const copy = new ArrayBuffer(bytes);
    new Uint8Array(copy).set(buf.subarray(offset, offset + bytes));
    arrays.set(
      e.name,
      e.kind === 'f32' ? new Float32Array(copy) : e.kind === 'f64' ? new Float64Array(copy) : new Int32Array(copy),
    );
    offset += pad8(bytes);
  }
  if (offset !== buf.length) throw new FitFileError(`file is ${buf.length} bytes, its header describes ${offset}`);
  return { header, arrays };
}
