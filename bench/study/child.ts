/**
 * One study configuration in its own process (tfjs-wasm is single-threaded
 * under Node, so the study runs one of these per core):
 *
 *   node --import tsx bench/study/child.ts <spec.json> <result.json>
 *
 * Progress goes to stderr, prefixed with the configuration id; the result is
 * written whole (temp file + rename) or not at all.
 */
import fs from 'node:fs';
import { iris, mnistSmall } from './data';
import { MNIST } from './grid';
import { runConfig } from './runConfig';
import type { ConfigSpec } from './types';

async function main(): Promise<void> {
  const [specFile, outFile] = process.argv.slice(2);
  if (!specFile || !outFile) throw new Error('usage: child.ts <spec.json> <result.json>');
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as ConfigSpec;
  const started = performance.now();
  const log = (message: string) => {
    const s = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[study ${spec.id} ${s}s] ${message}\n`);
  };
  const data = spec.dataset === 'iris' ? await iris(spec.seed) : mnistSmall({ ...MNIST, seed: spec.seed });
  const result = await runConfig(spec, data, log);
  const partial = `${outFile}.partial-${process.pid}`;
  // NaN/±Infinity become null in JSON; the report reads null as "not measured".
  fs.writeFileSync(partial, JSON.stringify(result));
  fs.renameSync(partial, outFile);
  log(`done in ${result.totalSeconds.toFixed(1)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`study child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
