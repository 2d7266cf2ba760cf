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

/** 32-bit FNV-1a: stable across runs and platforms. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Bucket → count for the words and adjacent word pairs of `text`. */
export function termCounts(text: string, buckets = TEXT_BUCKETS): Map<number, number> {
  const words = tokenize(text);
  const counts = new Map<number, number>();
  const bump = (term: string) => {
    const b = hashString(term) % buckets;
    counts.set(b, (counts.get(b) ?? 0) + 1);
  };
  for (let i = 0; i < words.length; i++) {
    bump(words[i]);
    if (i > 0) bump(`${words[i - 1]} ${words[i]}`);
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
