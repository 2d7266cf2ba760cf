import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { throwIfAborted } from '../cancel';

/**
 * Writes a file so that readers see either the old content or the complete
 * new one: write a uniquely named temp file in the same folder (same
 * filesystem; created exclusively, so concurrent writers never share one),
 * fsync, then rename over the target. On any failure the temp file is
 * removed and the target is left as it was. A `signal` that fires before the
 * rename (a Ctrl-C during the write) leaves the target as it was too.
 */
export async function writeFileAtomic(target: string, content: string | Uint8Array, signal?: AbortSignal): Promise<void> {
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
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
