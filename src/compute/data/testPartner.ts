/**
 * Which test set goes with a training file the user pointed at, when they
 * did not name one: the usual pairings people keep on disk.
 *
 *   train.csv + test.csv (or valid/validation/val/dev), same folder
 *   iris_train.csv + iris_test.csv, train-2024.csv + test-2024.csv
 *   train/data.csv + test/data.csv (or test/test.csv), sibling folders
 *   train/ + test/ image folders (the user right-clicked train/)
 *   a `split` column in the file itself (the loader uses it; no partner)
 *
 * A partner must have the same columns (as a set: the loader accepts another
 * order) and the same extension; an image folder partner must share a class
 * folder. A test-named partner wins over a validation-named one (with
 * train/valid/test, the test file is the test set); two candidates of the
 * same kind are ambiguous and give no partner, with the reason, so the
 * caller can say why it held out 20% instead.
 *
 * Both the CLI (when --test is not given) and the extension host (which must
 * know the test file: its containment boundary and stale watcher come from
 * it) call this; the engine itself never picks a test file on its own.
 * Reads only directory listings and the first 64 KB of candidate files.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DelimitedReader, sniffDelimiter } from './csvReader';
import { isHidden, readTextHead } from './files';

export type TestPartner =
  /** A separate test file (or, for an image folder, a test folder). */
  | { kind: 'file'; testPath: string; reason: string }
  /** The file has a split column: its own rows say which are test. */
  | { kind: 'split-column'; column: string; reason: string }
  /** No partner: `reason` says why (nothing found, or which candidates were ambiguous or did not fit). */
  | { kind: 'none'; reason: string; candidates: readonly string[] };

/** In order of preference: a test set first, a validation set only when there is no test set. */
const TEST_WORDS = ['testing', 'test'];
const VALID_WORDS = ['validation', 'valid', 'val', 'dev'];
const HEAD_BYTES = 64 * 1024;

/** The train word in a name, as a whole token (split by _ - . space or the ends), case-insensitive. */
function trainToken(stem: string): { before: string; word: string; after: string } | undefined {
  const m = /(^|[_\-. ])(training|train)(?=$|[_\-. ])/i.exec(stem);
  if (!m) return undefined;
  const start = m.index + m[1].length;
  return { before: stem.slice(0, start), word: m[2], after: stem.slice(start + m[2].length) };
}

/** Keeps the case style of the word it replaces (train → test, Train → Test, TRAIN → TEST). */
function sameCase(model: string, word: string): string {
  if (model === model.toUpperCase()) return word.toUpperCase();
  if (model[0] === model[0].toUpperCase()) return word[0].toUpperCase() + word.slice(1);
  return word;
}

/** Names a partner of `name` (a file or folder name) may have, per role, lower-cased. */
export function partnerNames(name: string, ext = ''): { test: string[]; valid: string[] } | undefined {
  const stem = ext ? name.slice(0, name.length - ext.length) : name;
  const t = trainToken(stem);
  if (!t) return undefined;
  const make = (words: string[]) => words.map((w) => `${t.before}${sameCase(t.word, w)}${t.after}${ext}`.toLowerCase());
  return { test: make(TEST_WORDS), valid: make(VALID_WORDS) };
}

/** The file's first HEAD_BYTES as text; undefined when it cannot be read (or is not a regular file). */
function readHead(file: string): Promise<string | undefined> {
  return readTextHead(file, HEAD_BYTES).catch(() => undefined);
}

/** Column names of a CSV/TSV header or of a JSONL file's first object; undefined when they cannot be read. */
export async function columnsOf(file: string): Promise<string[] | undefined> {
  const text = await readHead(file);
  if (text === undefined) return undefined;
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') {
    const first = text.split('\n').find((l) => l.trim() !== '');
    try {
      const value: unknown = first ? JSON.parse(first) : undefined;
      return value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : undefined;
    } catch {
      return undefined;
    }
  }
  try {
    const reader = new DelimitedReader(
      text,
      ext === '.tsv' || ext === '.tab' ? '\t' : sniffDelimiter(text),
      path.basename(file),
    );
    if (!reader.next()) return undefined;
    return reader.fields.slice(0, reader.count).map((f, k) => f.trim() || `column${k + 1}`);
  } catch {
    return undefined;
  }
}

/** The same names, in any order (the loader matches test columns to train columns by name). */
const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');

async function entries(dir: string): Promise<{ name: string; isDir: boolean }[]> {
  try {
    const list = await fsp.readdir(dir, { withFileTypes: true });
    const out: { name: string; isDir: boolean }[] = [];
    for (const e of list) {
      if (isHidden(e.name)) continue;
      let isDir = e.isDirectory();
      if (e.isSymbolicLink())
        isDir = await fsp.stat(path.join(dir, e.name)).then(
          (s) => s.isDirectory(),
          () => false,
        );
      out.push({ name: e.name, isDir });
    }
    return out;
  } catch {
    return [];
  }
}

/** Class folders of an image folder (its sub-folders). */
async function classFolders(dir: string): Promise<Set<string>> {
  return new Set((await entries(dir)).filter((e) => e.isDir).map((e) => e.name));
}

interface Candidate {
  abs: string;
  role: 'test' | 'valid';
}

/** Files (or folders) whose names pair with the dataset's, in its folder and in sibling test folders. */
async function candidatesFor(abs: string, isDir: boolean): Promise<Candidate[]> {
  const name = path.basename(abs);
  const dir = path.dirname(abs);
  const ext = isDir ? '' : path.extname(name);
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (file: string, role: Candidate['role']) => {
    if (seen.has(file) || file === abs) return;
    seen.add(file);
    out.push({ abs: file, role });
  };
  const byRole = (names: { test: string[]; valid: string[] }, lowerName: string): Candidate['role'] | undefined =>
    names.test.includes(lowerName) ? 'test' : names.valid.includes(lowerName) ? 'valid' : undefined;

  // Siblings: train.csv → test.csv, iris_train.csv → iris_test.csv; train/ → test/ (image folders).
  const own = partnerNames(name, ext);
  const siblings = await entries(dir);
  if (own) {
    for (const e of siblings) {
      if (e.isDir !== isDir) continue;
      const role = byRole(own, e.name.toLowerCase());
      if (role) add(path.join(dir, e.name), role);
    }
  }
  // A file in a train/ folder: the same name (or its test-named form) in a sibling test/ folder.
  if (!isDir) {
    const folderNames = partnerNames(path.basename(dir));
    if (folderNames) {
      const above = path.dirname(dir);
      for (const e of await entries(above)) {
        const role = e.isDir ? byRole(folderNames, e.name.toLowerCase()) : undefined;
        if (!role) continue;
        const wanted = new Set([name.toLowerCase(), ...(own ? (role === 'test' ? own.test : own.valid) : [])]);
        for (const f of await entries(path.join(above, e.name))) {
          if (!f.isDir && wanted.has(f.name.toLowerCase())) add(path.join(above, e.name, f.name), role);
        }
      }
    }
  }
  return out;
}

/**
 * The test set that goes with `datasetPath` (a CSV/TSV/JSONL file or an image
 * folder) when none was named. `labelColumn`: the label the user chose, so a
 * column named "split" that is the label is not taken for a split column.
 */
export async function findTestPartner(datasetPath: string, labelColumn?: string): Promise<TestPartner> {
  const abs = path.resolve(datasetPath);
  const isDir = await fsp.stat(abs).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const name = path.basename(abs);
  let columns: string[] | undefined;
  if (!isDir) {
    columns = await columnsOf(abs);
    const split = columns?.find((c) => c.toLowerCase() === 'split' && c !== labelColumn);
    if (split !== undefined) return { kind: 'split-column', column: split, reason: `the '${split}' column of ${name}` };
  }
  const candidates = await candidatesFor(abs, isDir);
  const rel = (c: Candidate) => path.relative(path.dirname(abs), c.abs).split(path.sep).join('/');
  const misfits: string[] = [];
  const fits: Candidate[] = [];
  for (const c of candidates) {
    if (isDir) {
      const [mine, theirs] = await Promise.all([classFolders(abs), classFolders(c.abs)]);
      if ([...theirs].some((k) => mine.has(k))) fits.push(c);
      else misfits.push(`${rel(c)} (no class folder in common)`);
      continue;
    }
    const theirs = await columnsOf(c.abs);
    if (columns && theirs && sameSet(columns, theirs)) fits.push(c);
    else misfits.push(`${rel(c)} (${theirs ? 'other columns' : 'unreadable header'})`);
  }
  for (const role of ['test', 'valid'] as const) {
    const ofRole = fits.filter((c) => c.role === role);
    if (ofRole.length === 1) {
      const what = isDir ? 'folder' : 'file';
      const why = isDir
        ? `the ${what} beside ${name} with the same class folders`
        : `the ${what} beside ${name} with the same columns`;
      return { kind: 'file', testPath: ofRole[0].abs, reason: `${rel(ofRole[0])}: ${why}` };
    }
    if (ofRole.length > 1) {
      return {
        kind: 'none',
        reason: `more than one possible test set (${ofRole.map(rel).join(', ')}); name one`,
        candidates: ofRole.map((c) => c.abs),
      };
    }
  }
  const reason = misfits.length
    ? `no test set with the same ${isDir ? 'classes' : 'columns'} beside ${name}: ${misfits.join(', ')}`
    : `no test set beside ${name}`;
  return { kind: 'none', reason, candidates: [] };
}

/**
 * The other way round: the training file (or image folder) whose test set
 * `testPath` is, by the rules above; undefined when none or more than one
 * claims it. "Explain this prediction" on a line of test.csv uses it to
 * find the analysis in which that file is the test set.
 */
export async function findTrainPartner(testPath: string): Promise<string | undefined> {
  const abs = path.resolve(testPath);
  const dir = path.dirname(abs);
  const isDir = await fsp.stat(abs).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const trainNamed = (n: string) => partnerNames(n, isDir ? '' : path.extname(n)) !== undefined;
  const possible: string[] = [];
  for (const e of await entries(dir))
    if (e.isDir === isDir && trainNamed(e.name)) possible.push(path.join(dir, e.name));
  if (!isDir) {
    // test/data.csv ← train/data.csv
    const above = path.dirname(dir);
    for (const e of await entries(above)) {
      if (!e.isDir || !trainNamed(e.name)) continue;
      for (const f of await entries(path.join(above, e.name))) {
        if (!f.isDir && (f.name.toLowerCase() === path.basename(abs).toLowerCase() || trainNamed(f.name)))
          possible.push(path.join(above, e.name, f.name));
      }
    }
  }
  const claims: string[] = [];
  for (const p of possible) {
    const partner = await findTestPartner(p);
    if (partner.kind === 'file' && partner.testPath === abs) claims.push(p);
  }
  return claims.length === 1 ? claims[0] : undefined;
}
