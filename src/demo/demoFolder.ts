/**
 * The demo's output folder: decide whether we may write there, and swap a
 * freshly built folder in without ever leaving a half-written one behind.
 *
 * Rule: write into a missing or empty folder, or over a previous demo output;
 * refuse anything else, so a mistyped path can never clobber user files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../compute/errors';

/** Written into flipped.json; how a previous demo output is recognised. */
export const DEMO_GENERATOR = 'influence-lens demo';

/**
 * Everything a demo output may contain: what we write, plus what our own
 * tools add there (`influence-lens demo` writes results.json beside the data;
 * the analysis cache) and macOS folder metadata. A re-run discards them all:
 * results of the old data would be stale anyway.
 */
const DEMO_ENTRIES = new Set([
  'README.md',
  'digits.csv',
  'flipped.json',
  'images',
  'results.json',
  '.influence-lens',
  '.DS_Store',
]);

/** Throws InputError unless `outDir` is missing, empty, or a previous demo output. */
export function assertWritableDemoDir(outDir: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(outDir);
  } catch {
    return; // missing: we will create it
  }
  if (!stat.isDirectory())
    throw new InputError(outDir, 'exists and is not a folder; choose a new or empty folder for the demo');
  const entries = fs.readdirSync(outDir);
  if (entries.length === 0) return;
  const foreign = entries.filter((e) => !DEMO_ENTRIES.has(e));
  if (foreign.length > 0 || !hasDemoManifest(outDir)) {
    const shown = (foreign.length > 0 ? foreign : entries).slice(0, 3).join(', ');
    throw new InputError(
      outDir,
      `is not empty (${shown}${entries.length > 3 ? ', …' : ''}) and is not a previous demo output; ` +
        'refusing to overwrite it — choose a new or empty folder',
    );
  }
}

function hasDemoManifest(dir: string): boolean {
  try {
    const manifest: unknown = JSON.parse(fs.readFileSync(path.join(dir, 'flipped.json'), 'utf8'));
    return (
      typeof manifest === 'object' &&
      manifest !== null &&
      (manifest as { generator?: unknown }).generator === DEMO_GENERATOR
    );
  } catch {
    return false;
  }
}

/**
 * Builds the folder's contents in a hidden sibling folder via `fill`, then
 * swaps it in for `outDir`. A crash or error mid-way leaves `outDir` as it
 * was (and the partial build is removed).
 */
export function writeDemoDirAtomically(outDir: string, fill: (dir: string) => void): void {
  const target = path.resolve(outDir);
  assertWritableDemoDir(target);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const building = path.join(parent, `.${path.basename(target)}.building-${stamp}`);
  fs.mkdirSync(building);
  try {
    fill(building);
    if (fs.existsSync(target)) {
      // Move the old folder aside first so `target` is missing only between two renames.
      const old = path.join(parent, `.${path.basename(target)}.old-${stamp}`);
      fs.renameSync(target, old);
      try {
        fs.renameSync(building, target);
      } catch (err) {
        fs.renameSync(old, target);
        throw err;
      }
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(building, target);
    }
  } catch (err) {
    fs.rmSync(building, { recursive: true, force: true });
    throw err;
  }
}
