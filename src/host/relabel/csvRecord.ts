/**
 * Where a CSV/TSV record and its fields lie in the file text, as character
 * offsets, found from the record's start line (the results' `source.line`).
 * Follows the engine's reader (src/compute/data/csvReader.ts) rule for rule —
 * RFC 4180 quotes with "" escapes, LF/CRLF/lone CR line ends, blank lines
 * skipped but counted, spaces after a closing quote, a quote inside an
 * unquoted field kept literally — so the field the host edits is the field the
 * engine read. Pure: no vscode, no fs.
 */
import { sniffDelimiter } from '../../compute/data/csvReader';

const QUOTE = 34;
const LF = 10;
const CR = 13;

export interface FieldSpan {
  /** Offset of the first character of the field (the opening quote, when quoted). */
  start: number;
  /** Offset just past the field (past the closing quote; spaces after it excluded). */
  end: number;
  quoted: boolean;
  /** The field's value, as the engine reads it (quotes removed, "" → "). */
  value: string;
}

export interface RecordSpan {
  fields: FieldSpan[];
  /** Offset where the record starts. */
  start: number;
  /** Offset just past the record's last character (before its line break). */
  end: number;
  /** 1-based line where the record starts and where it ends (later when a quoted field spans lines). */
  startLine: number;
  endLine: number;
}

/** The delimiter the engine uses for this file: tab for .tsv/.tab, else sniffed from the header. */
export function delimiterFor(fileName: string, text: string): string {
  return /\.(tsv|tab)$/i.test(fileName) ? '\t' : sniffDelimiter(text);
}

/** Offset where 1-based `line` starts, counting LF, CRLF and lone CR as the engine does; -1 past the end. */
export function lineStartOffset(text: string, line: number): number {
  let pos = 0;
  for (let current = 1; current < line; current++) {
    let p = pos;
    while (p < text.length && text.charCodeAt(p) !== LF && text.charCodeAt(p) !== CR) p++;
    if (p >= text.length) return -1;
    pos = p + (text.charCodeAt(p) === CR && text.charCodeAt(p + 1) === LF ? 2 : 1);
  }
  return pos;
}

/**
 * Reads the record that starts at `offset` (the beginning of its start line).
 * Returns null for a blank line or an unterminated quote (the file changed in
 * a way the engine would reject).
 */
export function scanRecord(text: string, offset: number, delimiter: string, startLine: number): RecordSpan | null {
  const n = text.length;
  const delim = delimiter.charCodeAt(0);
  if (offset >= n || text.charCodeAt(offset) === LF || text.charCodeAt(offset) === CR) return null;
  const fields: FieldSpan[] = [];
  let line = startLine;
  let p = offset;
  for (;;) {
    let field: FieldSpan;
    if (p < n && text.charCodeAt(p) === QUOTE) {
      const start = p;
      let value = '';
      let from = p + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return null;
        line += countBreaks(text, from, q);
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += text.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        p = q + 1;
        break;
      }
      field = { start, end: p, quoted: true, value };
      while (p < n && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9) && text.charCodeAt(p) !== delim) p++;
    } else {
      const start = p;
      while (p < n) {
        const c = text.charCodeAt(p);
        if (c === delim || c === LF || c === CR) break;
        p++;
      }
      field = { start, end: p, quoted: false, value: text.slice(start, p) };
    }
    fields.push(field);
    if (p < n && text.charCodeAt(p) === delim) {
      p++;
      continue;
    }
    // End of line or of text; anything else after a closing quote is a format error the engine rejects.
    if (p < n && text.charCodeAt(p) !== LF && text.charCodeAt(p) !== CR) return null;
    return { fields, start: offset, end: p, startLine, endLine: line };
  }
}

function countBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) count++;
  }
  return count;
}

/** The record whose first line is `line` (1-based), or null. */
export function recordAtLine(text: string, line: number, delimiter: string): RecordSpan | null {
  const offset = lineStartOffset(text, line);
  return offset < 0 ? null : scanRecord(text, offset, delimiter, line);
}

/** The header's column names as the engine names them: trimmed, `column<k>` when empty. */
export function headerNames(text: string, delimiter: string): string[] {
  // The engine skips blank lines before the header too.
  let line = 1;
  let offset = 0;
  while (offset < text.length && (text.charCodeAt(offset) === LF || text.charCodeAt(offset) === CR)) {
    offset += text.charCodeAt(offset) === CR && text.charCodeAt(offset + 1) === LF ? 2 : 1;
    line++;
  }
  const header = scanRecord(text, offset, delimiter, line);
  return header ? header.fields.map((f, k) => f.value.trim() || `column${k + 1}`) : [];
}

/**
 * The text that replaces a field so it reads back as `value`: quoted when the
 * original was quoted or when the value needs it (delimiter, quote, line
 * break, or surrounding spaces, which the engine would trim away); an unquoted
 * field keeps the spaces that padded it.
 */
export function fieldText(value: string, original: FieldSpan, text: string, delimiter: string): string {
  const needsQuotes =
    value.includes(delimiter) ||
    value.includes('"') ||
    value.includes('\n') ||
    value.includes('\r') ||
    value !== value.trim() ||
    value === '';
  if (original.quoted || (needsQuotes && value !== '')) return `"${value.replace(/"/g, '""')}"`;
  const raw = text.slice(original.start, original.end);
  const lead = raw.length - raw.trimStart().length;
  const trail = raw.length - raw.trimEnd().length;
  return raw.slice(0, lead) + value + raw.slice(raw.length - trail);
}
