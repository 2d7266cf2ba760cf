/**
 * A worker thread on one of the engine's bundles (the analysis thread, a training worker), started through the V8 code
 * cache beside it (codeCache.ts) when the cache's loader was bundled too, else on the bundle directly.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The loader's bundle (esbuild.mjs), beside the engine's. */
const LOADER = 'codeCache.js';

export function startBundleWorker(bundle: string, options: WorkerOptions = {}): Worker {
  const loader = path.join(path.dirname(bundle), LOADER);
  if (!existsSync(loader)) return new Worker(bundle, options);
  const start = `require(${JSON.stringify(loader)}).runBundleWithCodeCache(${JSON.stringify(bundle)});`;
  return new Worker(start, { ...options, eval: true });
}
