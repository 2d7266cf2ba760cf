/**
 * Starting a thread on a bundle through V8's code cache. Every run starts its threads cold: each parses and compiles
 * its bundle (the analysis thread's 1.8 MB, a worker's 1.3 MB) before it can work, ~40 ms of CPU per thread, and on
 * the analysis thread that is on the path of every analysis. V8 can serialize what it compiled — the top level and
 * every function run so far — and accept it back on the next start instead of compiling again.
 *
 * The cache sits beside the bundle (`<bundle>.v8cache`): the same trust as the bundle itself (cached code is code; a
 * cache in a shared temporary directory could be planted by another user). It is used only when it is certainly this
 * bundle's, and otherwise silently ignored and rewritten:
 * - its header holds a SHA-1 of the Node version, the architecture and the bundle's bytes (V8 itself checks only the
 *   text's length: a rebuilt bundle of the same length would otherwise run the old bundle's code), and a SHA-1 of the
 *   cached data (V8 does not verify a checksum outside its debug builds: a torn or corrupt file would crash);
 * - V8 still rejects data made under other V8 flags, which is then rewritten too;
 * - a bundle directory that cannot be written (an installation owned by another user) runs without a cache.
 * Writes go to a temporary name and are renamed into place, so threads starting together never read a torn file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { readRegularFileSync } from '../regularFile';

/** What happened to the cache when a bundle was started (for tests and measurements). */
export type CodeCacheOutcome = 'used' | 'written' | 'unwritable';

const MAGIC = 'IL-V8C1\n';
const DIGEST_BYTES = 20;
const HEADER_BYTES = MAGIC.length + 2 * DIGEST_BYTES;

export function codeCachePath(bundle: string): string {
  return `${bundle}.v8cache`;
}

/**
 * Compiles and runs the CommonJS bundle `bundle` as Node's loader would (module, require relative to it, __filename,
 * __dirname), with the code cache beside it; writes the cache afterwards when it was missing or not accepted.
 */
export function runBundleWithCodeCache(bundle: string): CodeCacheOutcome {
  // The key hashes the file's bytes as read: hashing the decoded text would encode its 1.8 MB again (~15 ms).
  const bytes = fs.readFileSync(bundle);
  const source = bytes.toString('utf8');
  const cacheFile = codeCachePath(bundle);
  const key = createHash('sha1').update(`${process.version} ${process.arch}\n`).update(bytes).digest();
  const cachedData = readCache(cacheFile, key);
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const module = new Module(bundle);
  module.filename = bundle;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    path.dirname(bundle),
  );
  const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, Module.createRequire(bundle), module, bundle, path.dirname(bundle));
  module.loaded = true;
  if (cachedData && !script.cachedDataRejected) return 'used';
  // After the bundle's top level has run, the cache holds the functions that ran too, not only the outer code.
  return writeCache(cacheFile, key, script.createCachedData()) ? 'written' : 'unwritable';
}

/** The cached data when the file is this bundle's (same key) and intact (same checksum); otherwise undefined. */
function readCache(cacheFile: string, key: Buffer): Buffer | undefined {
  const file = readRegularFile(cacheFile);
  if (!file) return undefined;
  if (file.length <= HEADER_BYTES || file.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const storedKey = file.subarray(MAGIC.length, MAGIC.length + DIGEST_BYTES);
  const storedSum = file.subarray(MAGIC.length + DIGEST_BYTES, HEADER_BYTES);
  const data = file.subarray(HEADER_BYTES);
  if (!storedKey.equals(key) || !storedSum.equals(createHash('sha1').update(data).digest())) return undefined;
  return data;
}

/** The cache file's bytes; undefined when it is missing, unreadable or not a regular file. */
function readRegularFile(file: string): Buffer | undefined {
  try {
    return readRegularFileSync(file);
  } catch {
    return undefined;
  }
}

function writeCache(cacheFile: string, key: Buffer, data: Buffer): boolean {
  const temp = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const sum = createHash('sha1').update(data).digest();
    fs.writeFileSync(temp, Buffer.concat([Buffer.from(MAGIC, 'latin1'), key, sum, data]), { flag: 'wx' });
    fs.renameSync(temp, cacheFile);
    return true;
  } catch {
    fs.rmSync(temp, { force: true });
    return false;
  }
}
