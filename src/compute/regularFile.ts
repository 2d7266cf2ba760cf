/**
 * Reading a file that must be a regular file. A FIFO or a device where a file is expected (a JSONL manifest may name
 * any path; anyone may put one in a cache's place) would block the thread or never end. The file is opened without
 * blocking and checked on the open descriptor, so nothing swapped in between a check and the read is read, and the
 * read needs no stat of its own: one path lookup per file (10k MNIST images: a stat each was ~5% of the load).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** The file's bytes, or undefined when something other than a regular file is there. Errors of open and read throw. */
export function readRegularFileSync(path: string): Buffer | undefined {
  // O_NONBLOCK is undefined on Windows, which has no FIFOs to block on.
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    const bytes = Buffer.allocUnsafe(stat.size);
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
