import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Writes a file so that readers see either the old content or the complete
 * new one: write a temp file in the same folder (same filesystem), fsync,
 * then rename over the target. A crash or cancel leaves no partial file.
 */
export async function writeFileAtomic(target: string, content: string | Uint8Array): Promise<void> {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
