/**
 * A fingerprint of one record's text, kept in the results so that the
 * extension can prove, before it edits a file, that the record at a line is
 * still the record the analysis saw (a line inserted above shifts every
 * record; a label check alone would rewrite whichever record now sits there
 * if its label happens to match), and find where the record went.
 *
 * The text is the record exactly as it stands in the file: for CSV/TSV from
 * its first character to its last, line breaks inside quoted fields included,
 * the line break that ends it excluded; for JSONL the line with surrounding
 * white space trimmed. Both the engine and the host hash the same characters
 * with this function.
 *
 * Two independent 32-bit FNV-1a-style lanes over the UTF-16 code units give a
 * 64-bit value: a chance collision between two records of one file is
 * negligible, and it costs a few nanoseconds a character, so every record of
 * a streamed gigabyte file can be fingerprinted.
 */
export function recordDigest(text: string, start = 0, end = text.length): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // Final mixing, so that texts differing only at the end still differ in every bit.
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
