/** Reading an image file's bytes, with a clear error for what is not a readable regular file. */
import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../errors';

export interface ImageFile {
  abs: string;
  /** The path as the user would open it (used in errors). */
  file: string;
}

/**
 * Read synchronously: through fs.promises each small file took five round trips to the thread pool, 1.3 CPU s for
 * 10k MNIST's files (the load stage's largest part), against 0.25 s here. The engine's thread has nothing else to do
 * meanwhile.
 */
export function readImageBytesSync(f: ImageFile): Buffer {
  try {
    // A FIFO or a device named like an image (a JSONL manifest may name any path) would block or never end.
    const stat = statSync(f.abs);
    if (!stat.isFile())
      throw new InputError(f.file, 'is not a regular file (a device, a pipe or a folder); expected an image file');
    return readFileSync(f.abs);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(f.file, `cannot be read (${(err as Error).message}); expected a readable image file`);
  }
}
