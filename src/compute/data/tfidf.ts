/**
 * Hashed word uni+bigram TF-IDF for free-text columns.
 *
 * Hashing keeps the vocabulary bounded without storing it (the same text
 * always lands in the same buckets, on any machine: FNV-1a over UTF-16 code
 * units, no locale). IDF is fitted on the training rows only; buckets no
 * training row uses are dropped, so the feature width is what the training
 * text actually fills (at most TEXT_BUCKETS). Rows are L2-normalised so long
 * and short texts are comparable; an empty text is a zero row.
 */

/** Hash buckets per text column before compaction (2^9). */
export const TEXT_BUCKETS = 512;

const WORD_RE = /[\p{L}\p{N}]+/gu;

/** Lower-cased runs of letters and digits. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(WORD_RE) ?? [];
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SPACE = 32;

/** FNV-1a state `h` continued over the code units of `s`. */
function fnvContinue(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** 32-bit FNV-1a: stable across runs and platforms. */
export function hashString(s: string): number {
  return fnvContinue(FNV_OFFSET, s) >>> 0;
}

/**
 * Bucket → count for the words and adjacent word pairs of `text`.
 *
 * One pass over the regex matches, with nothing kept per word: a 100 MB
 * cell has ~15 million words, and holding them as an array of strings plus
 * a "w1 w2" string per bigram took over a gigabyte. FNV-1a is sequential, so
 * the hash of "w1 w2" is the hash of w1 continued over a space and w2: the
 * same buckets as hashing the joined string.
 */
export function termCounts(text: string, buckets = TEXT_BUCKETS): Map<number, number> {
  const counts = new Map<number, number>();
  const bump = (h: number) => {
    const b = (h >>> 0) % buckets;
    counts.set(b, (counts.get(b) ?? 0) + 1);
  };
  // Lower-cased whole, then matched, exactly as tokenize() does (lower-casing can change a word's length).
  const lower = text.toLowerCase();
  const re = new RegExp(WORD_RE.source, WORD_RE.flags);
  let first = true;
  let prevHash = 0;
  for (let m = re.exec(lower); m !== null; m = re.exec(lower)) {
    const h = fnvContinue(FNV_OFFSET, m[0]);
    bump(h);
    if (!first) bump(fnvContinue(Math.imul(prevHash ^ SPACE, FNV_PRIME), m[0]));
    first = false;
    prevHash = h;
  }
  return counts;
}

export class TfidfModel {
  private constructor(
    /** Bucket → output position, -1 when no training row used the bucket. */
    private readonly position: Int32Array,
    /** Smoothed idf per output position: ln((1 + n) / (1 + df)) + 1. */
    private readonly idf: Float64Array,
    readonly buckets: number,
  ) {}

  get dims(): number {
    return this.idf.length;
  }

  /** Fits idf on the training texts (missing texts count as empty documents). */
  static fit(trainTexts: Iterable<string>, buckets = TEXT_BUCKETS): TfidfModel {
    const df = new Float64Array(buckets);
    let n = 0;
    for (const text of trainTexts) {
      n++;
      for (const b of termCounts(text, buckets).keys()) df[b]++;
    }
    const position = new Int32Array(buckets).fill(-1);
    const idf: number[] = [];
    for (let b = 0; b < buckets; b++) {
      if (df[b] > 0) {
        position[b] = idf.length;
        idf.push(Math.log((1 + n) / (1 + df[b])) + 1);
      }
    }
    return new TfidfModel(position, Float64Array.from(idf), buckets);
  }

  /** Writes the L2-normalised tf-idf of `text` into out[offset .. offset + dims) (assumed zero). */
  transformInto(text: string, out: Float32Array, offset: number): void {
    const counts = termCounts(text, this.buckets);
    let norm2 = 0;
    const kept: [number, number][] = [];
    for (const [b, c] of counts) {
      const p = this.position[b];
      if (p < 0) continue;
      const v = c * this.idf[p];
      kept.push([p, v]);
      norm2 += v * v;
    }
    if (norm2 === 0) return;
    const inv = 1 / Math.sqrt(norm2);
    for (const [p, v] of kept) out[offset + p] = v * inv;
  }
}
