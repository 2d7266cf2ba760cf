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
 * a split's fingerprints in 8 bytes a sample). Values are compared only
 * within one run, so how a row's value is computed may change between
 * versions. Two samples of different content share one by chance with
 * probability ~n²/2⁵³ (≈1e-4 at a million samples), which would show as one
 * spurious "exact" pair, nothing worse.
 */
import { createHash } from 'node:crypto';

/**
 * A text cell starts with this word where a number has the high word of its
 * double: no finite double has it (exponent all ones), so the sequence of
 * words reads back as one sequence of cells (number: high, low; text: this,
 * length, characters two to a word).
 */
const TEXT_WORD = 0xfff80000 | 0;

const bits = new Float64Array(1);
const halves = new Uint32Array(bits.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * The fingerprint of one row, fed cell by cell in column order: a number by
 * its value (no string per cell), any other cell by its normalised text.
 * Two 32-bit lanes (murmur3-style mixing, different constants) cross-mixed
 * at the end give the 52 bits. Reused row after row (`finish` resets it).
 *
 * Why not sha1 of the joined normalised cells, as before: on a small file
 * the per-cell String(Number()) and the per-row join and hash object were
 * a third of the load stage.
 */
export class RowFingerprint {
  private a = 0;
  private b = 0;
  private words = 0;

  constructor() {
    this.reset();
  }

  /** A cell whose trimmed text parsed as the finite number `value` with Number() semantics. */
  number(value: number): void {
    bits[0] = value + 0; // -0 + 0 is 0: "-0" and "0" are the same value, as String() writes them.
    this.word(halves[HIGH]);
    this.word(halves[1 - HIGH]);
  }

  /**
   * A raw cell, with `parsed` its value as table.ts's parseNumber read the
   * trimmed cell (NaN when it is not a plain number). A finite `parsed` is
   * Number() of the trimmed cell, except a decimal comma ("1,5" in `;`
   * files), which Number() does not read: such a cell and every non-number
   * take the full normalisation.
   */
  cell(raw: string, parsed: number, decimalComma: boolean): void {
    if (parsed === parsed && !(decimalComma && raw.includes(','))) this.number(parsed);
    else this.text(raw);
  }

  /** A raw cell: trimmed, white space collapsed, then a number by its value (Number), else that text. */
  text(raw: string): void {
    const s = /\s/.test(raw) ? raw.replace(/\s+/g, ' ').trim() : raw;
    const n = s === '' ? NaN : Number(s);
    if (Number.isFinite(n)) {
      this.number(n);
      return;
    }
    this.word(TEXT_WORD);
    this.word(s.length);
    const even = s.length & ~1;
    for (let i = 0; i < even; i += 2) this.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    if (even < s.length) this.word(s.charCodeAt(even));
  }

  /** The row's 52-bit fingerprint; the builder is then ready for the next row. */
  finish(): number {
    let a = this.a ^ this.words;
    let b = this.b ^ this.words;
    a = fmix(a);
    b = fmix(b);
    a = (a + b) | 0;
    b = (b + a) | 0;
    this.reset();
    return (a >>> 0) * 2 ** 20 + (b >>> 12);
  }

  private reset(): void {
    this.a = 0x9e3779b9 | 0;
    this.b = 0x85ebca77 | 0;
    this.words = 0;
  }

  private word(w: number): void {
    let k = Math.imul(w, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    let a = this.a ^ k;
    a = (a << 13) | (a >>> 19);
    this.a = (Math.imul(a, 5) + 0xe6546b64) | 0;
    let j = Math.imul(w, 0x239b961b);
    j = Math.imul((j << 16) | (j >>> 16), 0xab0e9789);
    let b = this.b ^ j;
    b = (b << 17) | (b >>> 15);
    this.b = (Math.imul(b, 5) + 0x38495ab5) | 0;
    this.words++;
  }
}

/** murmur3's finaliser: every input bit reaches every output bit. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Fingerprint of a file's bytes. */
export function bytesContentHash(bytes: Uint8Array): number {
  const digest = createHash('sha1').update(bytes).digest();
  // 52 bits: 4 bytes + 20 more bits.
  return digest.readUInt32BE(0) * 2 ** 20 + (digest.readUInt32BE(4) >>> 12);
}
