/**
 * A large delimited text file read as a sequence of pieces that each end at a
 * record boundary, so the tokenizer can run on one piece at a time and never
 * needs the whole file as one string (V8's longest string is ~512 MB, and a
 * 1 GB file would not fit in memory as text anyway).
 *
 * Each piece carries the line it starts on, so every record keeps its true
 * line. A piece ends after a line break outside quotes; a quoted field that
 * spans lines, a CRLF or a multi-byte UTF-8 character split across two reads
 * is carried into the next piece. Synchronous reads keep the callers (which
 * are synchronous row loops) unchanged. Only reads; never writes.
 */
import { closeSync, readSync } from 'node:fs';
import { InputError } from '../errors';
import { openRegularFileSync } from '../regularFile';
import { countLineBreaks } from './csvReader';
import { firstInvalidUtf8, readFailure } from './files';

/** Bytes read at a time. */
export const CHUNK_BYTES = 32 * 2 ** 20;

export interface TextPiece {
  /** Whole records (the last piece may end without a line break). */
  text: string;
  /** 1-based line of the piece's first character. */
  firstLine: number;
  /** Bytes of the file consumed once this piece is done (for progress). */
  bytesDone: number;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * Index just past the last line break outside quotes, or −1. The text must
 * start outside quotes (it starts at a record boundary). A CR at the very end
 * is not taken: its LF may be in the next read.
 */
export function lastRecordEnd(text: string): number {
  let inQuotes = false;
  let end = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes) {
      if (c === LF) end = i + 1;
      else if (c === CR && i + 1 < text.length) end = text.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
    }
  }
  return end;
}

function openForReading(abs: string, file: string): number {
  try {
    return openRegularFileSync(abs).fd;
  } catch (err) {
    throw readFailure(err, file, 'a readable file');
  }
}

/** The pieces of a UTF-8 text file, each ending at a record boundary. `file` names it in errors. */
export function* readRecordPieces(abs: string, file: string, chunkBytes = CHUNK_BYTES): Generator<TextPiece> {
  const fd = openForReading(abs, file);
  try {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    const buf = Buffer.allocUnsafe(chunkBytes);
    let carry = '';
    let line = 1;
    let offset = 0;
    let first = true;
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, offset);
      const bytes = buf.subarray(0, n);
      if (first) refuseNonUtf8Start(bytes, file);
      let decoded: string;
      try {
        decoded = decoder.decode(bytes, { stream: n > 0 });
      } catch {
        throw invalidUtf8(bytes, carry, line, offset, file);
      }
      offset += n;
      first = false;
      const text = carry + decoded;
      if (n === 0) {
        if (text.length > 0) yield { text, firstLine: line, bytesDone: offset };
        return;
      }
      const end = lastRecordEnd(text);
      if (end < 0) {
        carry = text;
        continue;
      }
      const piece = text.slice(0, end);
      carry = text.slice(end);
      yield { text: piece, firstLine: line, bytesDone: offset };
      line += countLineBreaks(piece) - 1 - crlfCount(piece);
    }
  } finally {
    closeSync(fd);
  }
}

/** CRLF pairs (countLineBreaks counts each of them twice). */
function crlfCount(text: string): number {
  let count = 0;
  let i = -1;
  while ((i = text.indexOf('\r\n', i + 1)) >= 0) count++;
  return count;
}

/** A large file must be UTF-8: a UTF-16 one (rare at this size) or a binary one is refused at its start. */
function refuseNonUtf8Start(bytes: Uint8Array, file: string): void {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new InputError(file, 'is UTF-16 text; expected UTF-8 for a file this large (re-save it as UTF-8)');
  }
  const nul = bytes.subarray(0, 1 << 16).indexOf(0);
  if (nul >= 0) {
    let line = 1;
    for (let i = 0; i < nul; i++) if (bytes[i] === LF) line++;
    throw new InputError(
      file,
      `is a binary file, not text (a zero byte at offset ${nul}); expected CSV, TSV or JSON Lines text`,
      line,
    );
  }
}

function invalidUtf8(bytes: Uint8Array, carry: string, line: number, offset: number, file: string): InputError {
  if (bytes.length === 0) {
    return new InputError(
      file,
      'ends in the middle of a UTF-8 character; expected UTF-8 text: re-save the file as UTF-8',
    );
  }
  const at = Math.max(0, firstInvalidUtf8(bytes));
  let where = line + countLineBreaks(carry) - 1 - crlfCount(carry);
  for (let i = 0; i < at; i++) if (bytes[i] === LF) where++;
  return new InputError(
    file,
    `is not UTF-8 text: byte ` +
      `0x${bytes[at].toString(16).toUpperCase().padStart(2, '0')} at offset ` +
      `${offset + at} is not valid UTF-8 ` +
      '(Latin-1 or Windows-1252, perhaps); expected UTF-8: re-save the file as UTF-8',
    where,
  );
}

/**
 * Every LF and CR in the file, + 1 (as countLineBreaks counts a string): an upper bound on its records, without
 * decoding it.
 */
export function countLineBreaksInFile(abs: string, file: string, chunkBytes = CHUNK_BYTES): number {
  const fd = openForReading(abs, file);
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    let count = 1;
    for (let offset = 0; ;) {
      const n = readSync(fd, buf, 0, chunkBytes, offset);
      if (n === 0) return count;
      offset += n;
      const bytes = buf.subarray(0, n);
      for (const b of [LF, CR]) for (let i = bytes.indexOf(b); i >= 0; i = bytes.indexOf(b, i + 1)) count++;
    }
  } finally {
    closeSync(fd);
  }
}
