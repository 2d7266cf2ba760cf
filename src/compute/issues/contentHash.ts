/**
 * Content fingerprints for exact-duplicate detection (issue 17): two samples
 * with the same fingerprint have the same content. For files (images) it is
 * the file's bytes; for rows (CSV/JSONL) it is the record's feature cells
 * after normalisation — label and split columns left out (a copy with a
 * different label is still a copy: that is the case worth flagging), each
 * cell trimmed with inner runs of white space made one space, and a cell that
 * is a number taken by its value ("5.10", " 5.1" and "5.1e0" are the same
 * value; so are 0 and -0).
 *
 * The value is a 52-bit integer (exact in a double, so a Float64Array holds
 * a split's fingerprints in 8 bytes a sample): two samples of different
 * content share one by chance with probability ~n²/2⁵³ (≈1e-4 at a million
 * samples), which would show as one spurious "exact" pair, nothing worse.
 *
 * Rows are fingerprinted cell by cell as they load (RowContentHash), numbers
 * from the value the table parsed, so no normalised text is built: on a
 * table of numbers this was a third of the load (a regular expression,
 * Number and String per cell, then a joined string and a SHA-1 per row).
 * The fingerprints are compared only within one run, so their function is
 * free to change; files keep SHA-1 of their bytes.
 */
import { createHash } from 'node:crypto';

/** A cell trimmed, with inner runs of white space made one space. */
function collapseSpace(cell: string): string {
  return /\s/.test(cell) ? cell.replace(/\s+/g, ' ').trim() : cell;
}

// A cell's kind opens its words, so that a number and a text cell never share them.
const NUMBER_CELL = 0x6e;
const TEXT_CELL = 0x74;

const WORDS = new Float64Array(1);
const WORD_BITS = new Uint32Array(WORDS.buffer);

/**
 * A record's fingerprint, accumulated cell by cell in column order: two 32-bit lanes with MurmurHash3's block
 * mixing, each with its own constants, and its finalizer over the lane and the cell count.
 */
export class RowContentHash {
  private a = 0x9747b28c;
  private b = 0x3c6ef372;
  private cells = 0;

  /** A cell the table parsed as this number. */
  number(value: number): void {
    // -0 and 0 are one value (String gives "0" for both).
    WORDS[0] = value === 0 ? 0 : value;
    this.word(NUMBER_CELL);
    this.word(WORD_BITS[0]);
    this.word(WORD_BITS[1]);
    this.cells++;
  }

  /** A cell as written: a number by its value when it is one (as Number reads it), else its normalised text. */
  text(cell: string): void {
    const s = collapseSpace(cell);
    if (s !== '') {
      const n = Number(s);
      if (Number.isFinite(n)) return this.number(n);
    }
    this.word(TEXT_CELL);
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
    this.cells++;
  }

  /** The fingerprint of the cells so far; the hash starts again for the next record. */
  finish(): number {
    const a = finalMix(this.a ^ this.cells);
    const b = finalMix(this.b ^ Math.imul(this.cells, 0x27d4eb2d));
    this.a = 0x9747b28c;
    this.b = 0x3c6ef372;
    this.cells = 0;
    // 52 bits: all of the first lane, the top 20 of the second.
    return (a >>> 0) * 2 ** 20 + ((b >>> 0) >>> 12);
  }

  private word(k: number): void {
    let ka = Math.imul(k, 0xcc9e2d51);
    ka = Math.imul((ka << 15) | (ka >>> 17), 0x1b873593);
    const a = this.a ^ ka;
    this.a = (Math.imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
    let kb = Math.imul(k, 0x85ebca6b);
    kb = Math.imul((kb << 13) | (kb >>> 19), 0xc2b2ae35);
    const b = this.b ^ kb;
    this.b = (Math.imul((b << 17) | (b >>> 15), 5) + 0x52dce729) | 0;
  }
}

function finalMix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function toNumber(digest: Buffer): number {
  // 52 bits: 4 bytes + 20 more bits.
  return digest.readUInt32BE(0) * 2 ** 20 + (digest.readUInt32BE(4) >>> 12);
}

/** Fingerprint of a file's bytes. */
export function bytesContentHash(bytes: Uint8Array): number {
  return toNumber(createHash('sha1').update(bytes).digest());
}
