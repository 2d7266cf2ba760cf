/**
 * The host acts on files the webview names only after checking that they lie
 * inside the dataset root: a results file or a webview message is data, and
 * data must not be able to point an edit at ~/.ssh. Pure path logic plus an
 * optional realpath check (symlinks) that callers run where the file exists.
 */
import { lstatSync, realpathSync } from 'node:fs';
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

/**
 * realpath of the longest existing ancestor, with the rest appended (a move target does not exist yet). A link whose
 * target is missing is refused, not taken for a folder yet to be made: it could point anywhere, and whatever
 * appears there later would receive the file.
 */
export function realExistingPrefix(abs: string): string {
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync.native(head), ...tail.reverse());
    } catch {
      if (isLink(head)) throw new OutsideRootError(`${head} is a link to something that does not exist`);
      const parent = path.dirname(head);
      if (parent === head) return abs;
      tail.push(path.basename(head));
      head = parent;
    }
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Windows' device names, with or without an extension: no folder can take them there. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * Why a label cannot name a class folder, or undefined when it can: no separators, not "." or "..", no control
 * characters, not hidden (the analysis skips names starting with a dot, so the image would leave the dataset), and
 * one Windows can create too.
 */
export function folderNameProblem(name: string): string | undefined {
  // Control characters are exactly what the pattern must refuse.
  // eslint-disable-next-line no-control-regex
  const forbidden = /[/\\:*?"<>|\u0000-\u001f]/;
  if (name === '' || name.trim() !== name) return 'a folder name cannot be empty or start or end with a space';
  if (forbidden.test(name)) return 'a folder name cannot hold / \\ : * ? " < > | or control characters';
  if (name.startsWith('.'))
    return 'a folder named with a leading dot is hidden, and the analysis skips it: the image would leave the dataset';
  // Windows drops a trailing dot, and cannot make a folder named like a device.
  if (name.endsWith('.') || WINDOWS_RESERVED.test(name)) return 'Windows cannot create a folder by that name';
  return undefined;
}
