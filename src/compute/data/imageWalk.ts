/**
 * Walks an image dataset's folders without ever leaving them or reading a file
 * twice. Symbolic links are followed only when their target lies inside the
 * dataset (its folder, or the test folder the user named); links that lead
 * out, broken links and link loops are skipped and reported. A file reached
 * both directly and through a link is kept once, at its direct path, so a
 * link can never add a second copy of an image under another class. Only
 * regular files are images: a FIFO or a device named `x.png` would block or
 * read forever.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { isHidden } from './files';
import { isImageName } from './imageDecode';
import { joinEntry } from './pathsBelow';
import { compareLabels } from './split';

export interface WalkReport {
  /** Links whose target lies outside the dataset (never followed). */
  outside: Set<string>;
  /** Links that lead back into a folder being walked, or to a folder already walked through a link. */
  loops: Set<string>;
  /** Links whose target does not exist. */
  broken: Set<string>;
  /** Files that are not images (or not regular files). */
  skipped: Set<string>;
  /** Images reached a second time through a link, dropped. */
  repeated: Set<string>;
}

export interface FoundImage {
  abs: string;
  /** The file's real path: the same file reached twice has the same key. */
  key: string;
  viaLink: boolean;
}

const dirKey = (s: { dev: number; ino: number }) => `${s.dev}:${s.ino}`;

/** Whether `target` is `root` or lies below it (lexically). */
export function isWithin(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export class ImageWalker {
  /** Sets: a folder's subfolders are listed more than once (to find train/ and test/, then the classes). */
  readonly report: WalkReport = {
    outside: new Set(),
    loops: new Set(),
    broken: new Set(),
    skipped: new Set(),
    repeated: new Set(),
  };
  /** Folders entered through a link so far: a second link to one of them adds nothing but work. */
  private readonly linkedDirs = new Set<string>();

  private constructor(private readonly boundaries: string[]) {}

  /** A walker confined to the real paths of `roots` (the dataset folder, and the test folder when given apart). */
  static async within(roots: string[]): Promise<ImageWalker> {
    return new ImageWalker(await Promise.all(roots.map((r) => fsp.realpath(r))));
  }

  private inside(real: string): boolean {
    return this.boundaries.some((b) => isWithin(b, real));
  }

  /**
   * The subfolders of `dir` (links to folders inside the dataset included,
   * loops and links out excluded), sorted as labels are.
   */
  async subfolders(dir: string): Promise<string[]> {
    const own = await fsp.stat(dir);
    const out: string[] = [];
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      if (isHidden(e.name)) continue;
      if (e.isDirectory()) out.push(e.name);
      else if (e.isSymbolicLink()) {
        const target = await this.followLink(path.join(dir, e.name), new Set([dirKey(own)]));
        if (target?.isDirectory) out.push(e.name);
      }
    }
    return out.sort(compareLabels);
  }

  /**
   * Image files under `dir`, recursively, sorted by path; what was left out
   * goes to the report. The same file may still appear twice (through a link,
   * or in another class folder): pass everything found to {@link keepOnce}.
   */
  async images(dir: string): Promise<FoundImage[]> {
    const found: FoundImage[] = [];
    const real = await fsp.realpath(dir);
    const st = await fsp.stat(dir);
    await this.walk(dir, real, real !== path.resolve(dir), new Set([dirKey(st)]), found);
    return found;
  }

  /**
   * Resolves a link: undefined (and reported) when it is broken, leads out of
   * the dataset, or loops back into `ancestors`.
   */
  private async followLink(
    abs: string,
    ancestors: Set<string>,
  ): Promise<{ real: string; isDirectory: boolean; isFile: boolean; key: string } | undefined> {
    let real: string;
    try {
      real = await fsp.realpath(abs);
    } catch {
      this.report.broken.add(abs);
      return undefined;
    }
    if (!this.inside(real)) {
      this.report.outside.add(abs);
      return undefined;
    }
    const st = await fsp.stat(real);
    const key = dirKey(st);
    if (st.isDirectory() && (ancestors.has(key) || this.linkedDirs.has(key))) {
      this.report.loops.add(abs);
      return undefined;
    }
    return { real, isDirectory: st.isDirectory(), isFile: st.isFile(), key };
  }

  private async walk(
    dir: string,
    realDir: string,
    viaLink: boolean,
    ancestors: Set<string>,
    found: FoundImage[],
  ): Promise<void> {
    const entries = (await fsp.readdir(dir, { withFileTypes: true })).filter((e) => !isHidden(e.name)).sort(byName);
    for (const e of entries) {
      const abs = joinEntry(dir, e.name);
      if (e.isSymbolicLink()) {
        const target = await this.followLink(abs, ancestors);
        if (!target) continue;
        if (target.isDirectory) {
          this.linkedDirs.add(target.key);
          await this.walk(abs, target.real, true, new Set([...ancestors, target.key]), found);
        } else if (target.isFile && isImageName(e.name)) found.push({ abs, key: target.real, viaLink: true });
        else this.report.skipped.add(abs);
      } else if (e.isDirectory()) {
        const st = await fsp.stat(abs);
        const key = dirKey(st);
        if (ancestors.has(key)) {
          this.report.loops.add(abs); // a bind mount of an ancestor
          continue;
        }
        await this.walk(abs, joinEntry(realDir, e.name), viaLink, new Set([...ancestors, key]), found);
      } else if (e.isFile() && isImageName(e.name)) {
        found.push({ abs, key: joinEntry(realDir, e.name), viaLink });
      } else {
        this.report.skipped.add(abs);
      }
    }
  }

  /**
   * The paths to read, one per real file: the direct path when there is one,
   * else the first found; the others go to the report as repeated.
   */
  keepOnce(found: FoundImage[]): Set<string> {
    const best = new Map<string, FoundImage>();
    for (const f of found) {
      const kept = best.get(f.key);
      if (!kept) best.set(f.key, f);
      else if (kept.viaLink && !f.viaLink) {
        this.report.repeated.add(kept.abs);
        best.set(f.key, f);
      } else this.report.repeated.add(f.abs);
    }
    return new Set([...best.values()].map((f) => f.abs));
  }
}
