import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { throwIfAborted } from '../cancel';

/** Raised when the target exists and is not a regular file: a rename would replace a device, a FIFO or a folder. */
export class NotARegularFileError extends Error {
  override readonly name = 'NotARegularFileError';
  readonly code = 'ENOTREG';
}

const tempPattern = (base: string) =>
  new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-f]{12}\\.tmp$`);

/**
 * Writes a file so that readers see either the old content or the complete
 * new one: write a uniquely named temp file in the same folder (same
 * filesystem; created exclusively, so concurrent writers never share one),
 * fsync, then rename over the target. On any failure the temp file is
 * removed and the target is left as it was. A target that exists must be a
 * regular file (not a symbolic link either: resolve it first), because the
 * rename would replace whatever is there. A `signal` that fires before the
 * rename (a Ctrl-C during the write) leaves the target as it was too.
 */
export async function writeFileAtomic(
  target: string,
  content: string | Uint8Array,
  signal?: AbortSignal,
): Promise<void> {
  await assertRegularOrMissing(target);
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    throwIfAborted(signal);
    // Checked again just before the rename: the slow part (the write) is over, the window is small.
    await assertRegularOrMissing(target);
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

async function assertRegularOrMissing(target: string): Promise<void> {
  const stat = await fs.lstat(target).catch(() => undefined);
  if (stat && !stat.isFile())
    throw new NotARegularFileError(`${target} exists and is not a regular file; it was left as it is`);
}

/**
 * Removes the temp files that writers of `target` left when they were killed
 * mid-write (SIGKILL, power loss): those named for a process that no longer
 * runs. A live writer's temp file is left alone. Returns how many were removed.
 */
export async function removeStaleTemps(target: string): Promise<number> {
  const dir = path.dirname(target);
  const pattern = tempPattern(path.basename(target));
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match || processIsAlive(Number(match[1]))) continue;
    await fs.rm(path.join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
