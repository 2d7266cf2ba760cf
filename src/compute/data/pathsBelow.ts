/**
 * path.relative and path.join for the many paths of an image folder's walk, which are normalized and lie below the
 * dataset's folder. Node's versions resolve or normalize their whole arguments on every call: on 10k MNIST's files,
 * the walk's joins, each file's source path and the name it has in errors took ~0.2 s of the load, on the analysis
 * thread, before a single image was read. These give the same strings by cutting or gluing a prefix when the paths
 * are POSIX paths in normal form, and are Node's otherwise (Windows paths, anything unusual).
 */
import * as path from 'node:path';

const posix = path.sep === '/';

/**
 * Whether `p` is a POSIX path of names: one path.posix.normalize leaves as it is (no empty segment, not empty), without
 * a trailing slash (but the root's) and without `.` or `..` segments, so that joining or cutting names never changes
 * it.
 */
export function isNormalNames(p: string): boolean {
  return p !== '' && !/\/\/|(^|\/)\.\.?(\/|$)/.test(p) && (p === '/' || !p.endsWith('/'));
}

/**
 * `target` relative to `root` with forward slashes by cutting the prefix, when both are POSIX paths in normal form and
 * target lies below root (path.relative would resolve them to themselves and cut it); undefined otherwise, for
 * files.ts relativePosix to ask Node.
 */
export function cutBelow(root: string, target: string): string | undefined {
  return posix &&
    root.startsWith('/') &&
    root !== '/' &&
    target.length > root.length + 1 &&
    target[root.length] === '/' &&
    target.startsWith(root) &&
    isNormalNames(target)
    ? target.slice(root.length + 1)
    : undefined;
}

/** path.join(dir, name) for an entry `name` of folder `dir` (a readdir name: no separator, never `.` or `..`). */
export function joinEntry(dir: string, name: string): string {
  if (!posix || dir === '.' || !isNormalNames(dir)) return path.join(dir, name);
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/**
 * A function giving path.join(base, rel) for the relative paths relativePosix gives (names and slashes): the joined
 * prefix computed once.
 */
export function joinerUnder(base: string): (rel: string) => string {
  // Joining names onto base never reaches back into it: base's normal form, a slash (unless it has one), the names.
  const prefix = path.join(base, 'x').slice(0, -1);
  return (rel) =>
    posix && rel !== '' && isNormalNames(rel) && !rel.startsWith('/') ? prefix + rel : path.join(base, rel);
}
