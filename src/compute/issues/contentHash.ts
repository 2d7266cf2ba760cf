/**
 * Content fingerprints for exact-duplicate detection (issue 17): two samples
 * with the same fingerprint have the same content. For files (images) it is
 * the file's bytes; for rows (CSV/JSONL) it is the record's feature cells
 * after normalisation — label and split columns left out (a copy with a
 * different label is still a copy: that is the case worth flagging), each
 * cell trimmed with inner runs of white space made one space, and a cell that
 * is a number written as the number ("5.10" and " 5.1" are the same value).
 *
 * The value is a 52-bit integer (exact in a double, so a Float64Array holds
 * a split's fingerprints in 8 bytes a sample): two samples of different
 * content share one by chance with probability ~n²/2⁵³ (≈1e-4 at a million
 * samples), which would show as one spurious "exact" pair, nothing worse.
 */
import { createHash } from 'node:crypto';

const SEPARATOR = '\u001f';

/** One cell as it is compared: trimmed, white space collapsed, numbers by value. */
export function normalizeCell(cell: string): string {
  const s = /\s/.test(cell) ? cell.replace(/\s+/g, ' ').trim() : cell;
  if (s === '') return s;
  const n = Number(s);
  return Number.isFinite(n) ? String(n) : s;
}

function toNumber(digest: Buffer): number {
  // 52 bits: 4 bytes + 20 more bits.
  return digest.readUInt32BE(0) * 2 ** 20 + (digest.readUInt32BE(4) >>> 12);
}

/** Fingerprint of a record from its feature cells (in column order). */
export function recordContentHash(cells: readonly string[]): number {
  return toNumber(createHash('sha1').update(cells.map(normalizeCell).join(SEPARATOR)).digest());
}

/** Fingerprint of a file's bytes. */
export function bytesContentHash(bytes: Uint8Array): number {
  return toNumber(createHash('sha1').update(bytes).digest());
}
