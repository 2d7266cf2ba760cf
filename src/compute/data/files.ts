/**
 * File-system helpers shared by the loaders. Loaders only ever read: nothing
 * here opens a file for writing.
 */
import { constants } from 'node:buffer';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';

/**
 * Reads a text file as a string: UTF-8 (BOM stripped) or, when it starts
 * with a UTF-16 BOM, UTF-16. `file` is the path as the user gave it, for errors.
 */
export async function readText(absPath: string, file: string): Promise<string> {
  let buf: Buffer;
  try {
    // Checked before reading: a file past V8's longest string cannot become one.
    const { size } = await fsp.stat(absPath);
    if (size > constants.MAX_STRING_LENGTH) {
      throw new InputError(
        file,
        `is ${(size / 2 ** 20).toFixed(0)} MB, more than can be read at once here; ` +
          `expected a text file under ${(constants.MAX_STRING_LENGTH / 2 ** 20).toFixed(0)} MB (split it, or sample rows from it)`,
      );
    }
    buf = await fsp.readFile(absPath);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(file, `cannot be read (${(err as Error).message}); expected a readable file`);
  }
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const swapped = Buffer.from(buf.subarray(2, buf.length - (buf.length % 2))); // swap16 needs an even length
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** `target` relative to `root`, with forward slashes (the form `SourceRef.path` uses). */
export function relativePosix(root: string, target: string): string {
  return path.relative(root, target).split(path.sep).join('/');
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
