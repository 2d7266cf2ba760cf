/**
 * Reading files that must be regular files. A FIFO or a device where a file is expected (a dataset path, a side
 * file, a JSONL manifest's image, a cache planted by someone else) would block the reading thread until a writer
 * comes, or never end: the CLI hung, and in the extension host a thread of libuv's small pool stayed blocked for
 * good. So the file is opened without blocking and checked on the open descriptor — nothing swapped in between a
 * check and the read is read — and the read needs no stat of its own (10k MNIST images: a stat each by path was ~5%
 * of the load).
 */
import { closeSync, constants, fstatSync, openSync, promises as fsp, readSync } from 'node:fs';

const NOT_REGULAR = 'is not a regular file (a pipe, a device or a folder)';

/** Thrown for a path that exists but is not a regular file; the message names the path. */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
  /** What is wrong, to complete "<the file as the user named it> …". */
  readonly reason = NOT_REGULAR;
  constructor(path: string) {
    super(`${path} ${NOT_REGULAR}`);
    this.name = 'NotRegularFileError';
  }
}

// O_NONBLOCK is undefined on Windows, which has no FIFOs to block on.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * The file's bytes. Throws NotRegularFileError for anything but a regular file, the open's and the read's errors as
 * they are, and what `refuse(size)` throws, before anything is read (a file too large to read at once).
 */
export function readRegularFileSync(path: string, refuse?: (size: number) => void): Buffer {
  const { fd, size } = openRegularFileSync(path);
  try {
    refuse?.(size);
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, null);
      if (read === 0) break;
      filled += read;
    }
    // A file that shrank since its stat: what is there now.
    return filled < bytes.length ? bytes.subarray(0, filled) : bytes;
  } finally {
    closeSync(fd);
  }
}

/** The file's descriptor, open for reading and checked to be a regular file (NotRegularFileError), and its size. */
export function openRegularFileSync(path: string): { fd: number; size: number } {
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new NotRegularFileError(path);
    return { fd, size: stat.size };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** openRegularFileSync on libuv's thread pool: a handle. */
export async function openRegularFile(path: string): Promise<{ handle: fsp.FileHandle; size: number }> {
  const handle = await fsp.open(path, OPEN_FLAGS);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new NotRegularFileError(path);
    return { handle, size: stat.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** readRegularFileSync on libuv's thread pool. */
export async function readRegularFile(path: string, refuse?: (size: number) => void): Promise<Buffer> {
  const { handle, size } = await openRegularFile(path);
  try {
    refuse?.(size);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
