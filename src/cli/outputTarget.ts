/**
 * Where `analyze --out` may write, decided before any work starts. The results
 * are written by an atomic rename over the target, and a rename replaces
 * whatever is there: a device (`/dev/null`, `/dev/full`), a FIFO, the dataset
 * itself. So the target must be a regular file or nothing, must not be (by
 * device and inode, so also through a symlink or a hard link) the dataset, the
 * test file, a side file the run reads or anything inside an image dataset's
 * folder, an existing file there must be one this tool wrote (an image a JSONL
 * list names is data too), and its folder must accept a new file now, not
 * after ten minutes of training.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import type { FeatureSourceOptions } from '../compute/data/embeddings/options';
import { InputError } from '../compute/errors';
import { preprocessFileOf } from '../compute/onnx/preprocess';
import { FIT_MAGIC } from '../compute/pipeline/fitFile';

export interface ProtectedInputs {
  /** The dataset the user named: a CSV/TSV/JSONL file or an image folder. */
  datasetPath: string;
  /** The separate test file or folder, when one was given. */
  testPath?: string;
  /** Every other file the run reads: embeddings, probabilities, the model and its preprocessing (inputFiles). */
  sideFiles?: string[];
}

/** The files besides the dataset a run reads (the user's side files), as the options name them. */
export function inputFiles(o: FeatureSourceOptions): string[] {
  const model = o.modelFile;
  return [
    o.embeddingsFile,
    o.testEmbeddingsFile,
    o.probabilitiesFile,
    model,
    model !== undefined ? preprocessFileOf(model, o.preprocessFile) : o.preprocessFile,
  ].filter((f): f is string => f !== undefined);
}

/**
 * What a file the run writes may replace: only what it wrote itself before (or an empty file). Anything else at that
 * name is somebody's data — an image a JSONL list names, a file of another program — which a rename would destroy.
 */
export interface Replaceable {
  /** In words: "an Influence Lens results file". */
  what: string;
  /** Whether a file starting with these bytes is one. */
  starts(head: Buffer): boolean;
}

export const RESULTS_FILE: Replaceable = {
  what: 'an Influence Lens results file',
  starts: (head) => head.toString('utf8').startsWith('{"schemaVersion":'),
};

export const SAVED_FIT: Replaceable = {
  what: 'a fit Influence Lens saved',
  starts: (head) => head.toString('latin1', 0, FIT_MAGIC.length) === FIT_MAGIC,
};

async function headOf(file: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(32), 0, 32, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** What a non-regular file is, in words a user recognises. */
export function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'a special file';
}

const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  return fs.stat(p).catch(() => undefined);
}

/**
 * Checks `out` (given as `flag`, named in the messages) and returns the path to write: the real path when `out` is a
 * symbolic link to a regular file (the link stays; the file it names gets the
 * results). Throws an InputError naming `out` and what was expected.
 */
export async function checkOutputTarget(
  out: string,
  inputs: ProtectedInputs,
  flag = '--out',
  replaceable: Replaceable = RESULTS_FILE,
): Promise<string> {
  const existing = await statOrUndefined(out);
  if (existing && !existing.isFile()) {
    throw new InputError(
      out,
      `is ${kindOf(existing)}; expected a regular file (or a new name) for the results, e.g. results.json`,
    );
  }
  const target = existing ? await fs.realpath(out) : out;
  const folder = path.dirname(target);
  const folderStat = await statOrUndefined(folder);
  if (!folderStat?.isDirectory()) {
    throw new InputError(out, `the folder ${folder} does not exist; expected an existing folder for the results file`);
  }

  for (const input of [inputs.datasetPath, inputs.testPath, ...(inputs.sideFiles ?? [])]) {
    if (input === undefined) continue;
    const inputStat = await statOrUndefined(input);
    if (!inputStat) continue; // the loader reports a missing dataset with its own message
    if (existing && sameFile(existing, inputStat)) {
      throw new InputError(
        out,
        `is the input ${input} itself (the same file); the results would overwrite the data: choose another ${flag}`,
      );
    }
    if (inputStat.isDirectory() && (await isWithin(folder, input))) {
      throw new InputError(
        out,
        `lies inside the image dataset folder ${input}; the results would be ` +
          `mixed with the data: choose a ${flag} outside it`,
      );
    }
  }
  if (existing && existing.size > 0 && !replaceable.starts(await headOf(target))) {
    throw new InputError(
      out,
      `already exists and is not ${replaceable.what}; the ${flag === '--out' ? 'results' : 'saved fit'} would ` +
        `replace it: choose another ${flag}, or remove the file first if you no longer need it`,
    );
  }
  await probeWritable(folder, out);
  return target;
}

/** Whether `folder` is `root` or below it, comparing real paths (links resolved). */
async function isWithin(folder: string, root: string): Promise<boolean> {
  const [realFolder, realRoot] = await Promise.all([fs.realpath(folder), fs.realpath(root)]);
  const rel = path.relative(realRoot, realFolder);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Creates and removes a file in `folder`: the only check that holds for root
 * (who passes every permission test) and for read-only or full file systems.
 */
async function probeWritable(folder: string, out: string): Promise<void> {
  const probe = path.join(folder, `.influence-lens-probe.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(probe, 'wx');
    await handle.close();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(
      out,
      `cannot be written: creating a file in ${folder} failed (${code}); expected a folder you can write to`,
    );
  } finally {
    await fs.rm(probe, { force: true });
  }
}
