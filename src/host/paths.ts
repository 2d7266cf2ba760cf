/**
 * The host acts on files the webview names only after checking that they lie
 * inside the dataset root: a results file or a webview message is data, and
 * data must not be able to point an edit at ~/.ssh. Pure path logic plus an
 * optional realpath check (symlinks) that callers run where the file exists.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';

export class OutsideRootError extends Error {
  override readonly name = 'OutsideRootError';
}

/** True when `target` is `root` itself or below it (lexically; no file-system access). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(target));
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Resolves a results-relative path (forward slashes) against the dataset
 * root; throws unless the result lies inside the root, both lexically and
 * after following symbolic links of the parts that exist.
 */
export function resolveInside(root: string, relative: string): string {
  if (relative.includes('\0'))
    throw new OutsideRootError(`the path ${JSON.stringify(relative)} contains a NUL character`);
  if (path.posix.isAbsolute(relative) || path.win32.isAbsolute(relative)) {
    throw new OutsideRootError(
      `${relative} is an absolute path; expected a path relative to the dataset folder ${root}`,
    );
  }
  const abs = path.resolve(root, ...relative.split('/'));
  if (!isInside(root, abs)) throw new OutsideRootError(`${relative} lies outside the dataset folder ${root}`);
  const realRoot = realOrSelf(root);
  const realTarget = realExistingPrefix(abs);
  if (!isInside(realRoot, realTarget))
    throw new OutsideRootError(`${relative} resolves (through a link) outside the dataset folder ${root}`);
  return abs;
}

export function realOrSelf(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return path.resolve(p);
  }
}

/** realpath of the longest existing ancestor, with the rest appended (a move target does not exist yet). */
export function realExistingPrefix(abs: string): string {
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync.native(head), ...tail.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return abs;
      tail.push(path.basename(head));
      head = parent;
    }
  }
}

/** A label that can name a class folder: no separators, not "." or "..", no control characters. */
export function isSafeFolderName(name: string): boolean {
  // Control characters are exactly what the pattern must refuse.
  // eslint-disable-next-line no-control-regex
  const forbidden = /[/\\:*?"<>|\u0000-\u001f]/;
  return name.trim() === name && name !== '' && name !== '.' && name !== '..' && !forbidden.test(name);
}
