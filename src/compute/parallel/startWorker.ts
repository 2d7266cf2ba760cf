/** Starting an engine worker thread (worker.ts), for the training pool (pool.ts) and the synchronous helpers. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker: the bundled worker.js beside dist/cli.js, or, when the
 * engine runs from its TypeScript sources (tests, benchmarks), worker.ts
 * through tsx's require hook. (Node 20 ignores `--import` in a worker's
 * execArgv, so the hook is installed by a small eval'd bootstrap instead.)
 */
export function startWorker(): Worker {
  const bundled = path.join(__dirname, 'worker.js');
  if (existsSync(bundled)) return new Worker(bundled);
  const source = path.join(__dirname, 'worker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true });
}
