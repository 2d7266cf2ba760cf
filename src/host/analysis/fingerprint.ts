/**
 * Content fingerprints: which bytes an analysis read, so a cached result can
 * be told fresh (same bytes, same settings) from stale (the data changed).
 * Content, not mtimes: a checkout or copy touches mtimes without changing
 * data, and an edit-and-undo leaves the data as it was. Plain Node.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { isHidden } from '../../compute/data/files';
import { preprocessFileOf } from '../../compute/onnx/preprocess';
import { openRegularFile } from '../../compute/regularFile';

/**
 * The image files the engine reads (src/compute/data/imageDecode.ts
 * isImageName; a unit test keeps the two in step). Not imported from there:
 * that module brings the PNG/JPEG decoders into the extension host bundle.
 */
export function isImageName(name: string): boolean {
  return /\.(png|jpe?g)$/i.test(name);
}

/** The files an analysis of `datasetPath` reads: the file itself (and its test file), or the images of a folder. */
export async function datasetFiles(datasetPath: string, testPath?: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of testPath ? [datasetPath, testPath] : [datasetPath]) {
    const stat = await fsp.stat(p);
    if (stat.isDirectory()) await collectImages(p, out);
    else out.push(path.resolve(p));
  }
  return out;
}

async function collectImages(dir: string, out: string[]): Promise<void> {
  const entries = (await fsp.readdir(dir, { withFileTypes: true })).filter((e) => !isHidden(e.name));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) await collectImages(abs, out);
    else if (e.isFile() && isImageName(e.name)) out.push(abs);
  }
}

/** sha256 of a regular file's bytes (a FIFO in its place would hold a thread of libuv's pool for good). */
async function hashFile(file: string): Promise<string> {
  const { handle } = await openRegularFile(file);
  const hash = createHash('sha256');
  // The stream closes the handle when it ends or fails.
  for await (const chunk of handle.createReadStream()) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * sha256 over (path relative to `base`, content hash) of every file, in path
 * order: renaming or moving a file changes it (a relabel of an image moves
 * the file), reordering the directory listing does not.
 */
export async function fingerprintFiles(base: string, files: string[]): Promise<string> {
  const rows = await Promise.all(
    files.map(async (f) => `${path.relative(base, f).split(path.sep).join('/')}\0${await hashFile(f)}`),
  );
  rows.sort();
  return createHash('sha256').update(rows.join('\n')).digest('hex');
}

export async function fingerprintDataset(datasetPath: string, testPath?: string): Promise<string> {
  const base = (await fsp.stat(datasetPath)).isDirectory() ? datasetPath : path.dirname(datasetPath);
  return fingerprintFiles(base, await datasetFiles(datasetPath, testPath));
}

/**
 * What an analysis reads besides the dataset (issue 15): the test file, the user's model with its preprocessing, and
 * the embeddings and probabilities side files. The same names as the job options, so JobOptions fits.
 */
export interface AnalysisInputs {
  testPath?: string;
  modelFile?: string;
  preprocessFile?: string;
  embeddingsFile?: string;
  testEmbeddingsFile?: string;
  probabilitiesFile?: string;
}

/**
 * The side files of an analysis, absolute: the model, its preprocessing (the engine reads `<model>.preprocess.json`
 * beside it when none is named: src/compute/onnx/preprocess.ts), embeddings and probabilities.
 */
export function sideFiles(inputs: AnalysisInputs): string[] {
  const { modelFile, preprocessFile, embeddingsFile, testEmbeddingsFile, probabilitiesFile } = inputs;
  const files = [
    modelFile,
    modelFile !== undefined ? preprocessFileOf(modelFile, preprocessFile) : undefined,
    embeddingsFile,
    testEmbeddingsFile,
    probabilitiesFile,
  ];
  return files.filter((f): f is string => f !== undefined && f !== '').map((f) => path.resolve(f));
}

/**
 * The fingerprint of everything an analysis reads: the dataset's, and with side files, their contents too (a
 * retrained model written over the old one, same size or not, makes the results stale). A side file that is not there
 * counts as "absent" (the default preprocessing file usually is); without side files it is the dataset's alone, so
 * results cached before side files counted stay fresh.
 */
export async function fingerprintAnalysis(datasetPath: string, inputs: AnalysisInputs): Promise<string> {
  const data = await fingerprintDataset(datasetPath, inputs.testPath);
  const sides = sideFiles(inputs);
  if (sides.length === 0) return data;
  const rows = await Promise.all(
    sides.map(async (f) => {
      const content = await hashFile(f).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return 'absent';
        throw error;
      });
      return `${f}\0${content}`;
    }),
  );
  return createHash('sha256')
    .update([data, ...rows].join('\n'))
    .digest('hex');
}

/** JSON with object keys sorted at every level, so equal settings always hash the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A short key for a settings object (the engine options minus the dataset path). */
export function settingsKey(settings: object): string {
  return createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 16);
}
