/**
 * File-system helpers shared by the loaders. Loaders only ever read: nothing
 * here opens a file for writing.
 */
import { constants } from 'node:buffer';
import * as path from 'node:path';
import { InputError } from '../errors';
import { NotRegularFileError, openRegularFile, readRegularFile } from '../regularFile';
import { cutBelow } from './pathsBelow';

/**
 * The bytes of a file the user named (`file` as they gave it, for errors), which must be a regular file: anything
 * else, or a read that fails, is an InputError saying what was `expected`. `refuse(size)` may throw before reading.
 */
export async function readInputFile(
  absPath: string,
  file: string,
  expected: string,
  refuse?: (size: number) => void,
): Promise<Buffer> {
  try {
    return await readRegularFile(absPath, refuse);
  } catch (err) {
    throw readFailure(err, file, expected);
  }
}

/** What a failed open or read of a file the user named (`file`) is to them: an InputError saying what was expected. */
export function readFailure(err: unknown, file: string, expected: string): InputError {
  if (err instanceof InputError) return err;
  if (err instanceof NotRegularFileError) return new InputError(file, `${err.reason}; expected ${expected}`);
  return new InputError(file, `cannot be read (${(err as Error).message}); expected ${expected}`);
}

/** The start of a regular file as text, at most `bytes` bytes (UTF-8, BOM stripped): enough to see its header. */
export async function readTextHead(absPath: string, bytes: number): Promise<string> {
  const { handle } = await openRegularFile(absPath);
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } finally {
    await handle.close();
  }
}

/**
 * Reads a text file as a string: UTF-8 (BOM stripped) or, when it starts
 * with a UTF-16 BOM, UTF-16. `file` is the path as the user gave it, for errors.
 */
export async function readText(absPath: string, file: string): Promise<string> {
  // Checked before reading: a file past V8's longest string cannot become one.
  const buf = await readInputFile(absPath, file, 'a readable file', (size) => {
    if (size > constants.MAX_STRING_LENGTH) {
      throw new InputError(
        file,
        `is ${(size / 2 ** 20).toFixed(0)} MB, more than can be read at once here; ` +
          (`expected a text file under ` +
            `${(constants.MAX_STRING_LENGTH / 2 ** 20).toFixed(0)} MB (split it, or ` +
            `sample rows from it)`),
      );
    }
  });
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const swapped = Buffer.from(buf.subarray(2, buf.length - (buf.length % 2))); // swap16 needs an even length
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  refuseBinary(buf, file);
  const text = buf.toString('utf8');
  // toString replaces every invalid byte with U+FFFD: a Latin-1 "café" would load as "caf\uFFFD" and a
  // relabel would write that back. Say where the file stops being UTF-8 instead of changing its text.
  if (text.includes('\uFFFD')) refuseInvalidUtf8(buf, file);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A NUL byte never occurs in UTF-8 text files; it does in images, archives, spreadsheets (.xlsx) … */
function refuseBinary(buf: Buffer, file: string): void {
  const nul = buf.subarray(0, 1 << 16).indexOf(0);
  if (nul >= 0) {
    throw new InputError(
      file,
      `is a binary file, not text (a zero byte at offset ${nul}); expected CSV, TSV or JSON Lines text`,
      lineAt(buf, nul),
    );
  }
}

function refuseInvalidUtf8(buf: Buffer, file: string): void {
  const at = firstInvalidUtf8(buf);
  if (at >= 0) {
    // (at < 0: the U+FFFD was in the file itself, properly encoded.)
    throw new InputError(
      file,
      `is not UTF-8 text: byte ` +
        `0x${buf[at].toString(16).toUpperCase().padStart(2, '0')} at offset ` +
        `${at} is not valid UTF-8 ` +
        ('(Latin-1 or Windows-1252, perhaps); expected UTF-8, or UTF-16 with a ' +
          'byte-order mark: re-save the file as UTF-8'),
      lineAt(buf, at),
    );
  }
}

/**
 * Offset of the first byte of the first invalid UTF-8 sequence, or −1
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
export function firstInvalidUtf8(buf: Uint8Array): number {
  for (let i = 0; i < buf.length;) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: sequence length and the allowed range of the second byte.
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + n > buf.length || buf[i + 1] < lo || buf[i + 1] > hi) return i;
    for (let k = 2; k < n; k++) if (buf[i + k] < 0x80 || buf[i + k] > 0xbf) return i;
    i += n;
  }
  return -1;
}

/** 1-based line of a byte offset. */
function lineAt(buf: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 10) line++;
  return line;
}

/**
 * `target` relative to `root`, with forward slashes (the form `SourceRef.path` uses). A normal path below the root is
 * cut where it stands (pathsBelow.ts): an image folder's walk asks for tens of thousands, and path.relative resolves
 * both arguments on every call.
 */
export function relativePosix(root: string, target: string): string {
  return cutBelow(root, target) ?? path.relative(root, target).split(path.sep).join('/');
}

/** Dot files (.DS_Store, .git) and macOS resource forks are never data. */
export function isHidden(name: string): boolean {
  return name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini';
}

/** The deepest folder that holds both paths (the dataset root when train and test live apart). */
export function commonFolder(a: string, b: string): string {
  let root = a;
  while (true) {
    const rel = path.relative(root, b);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return root;
    const parent = path.dirname(root);
    if (parent === root) return root;
    root = parent;
  }
}

/** Display form for lists in messages: at most `max` items, then "… (N more)". */
export function listSome(items: string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')}, … (${items.length - max} more)`;
}
