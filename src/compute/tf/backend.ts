/**
 * Picks the fastest tfjs backend that works here and says which one runs.
 *
 * Order: the native `tensorflow` backend from the optional @tensorflow/tfjs-node
 * (only when the user's machine could install it), then `wasm` (SIMD,
 * single-threaded under Node, ~30× faster than cpu on matMul), then `cpu`
 * with a loud warning. A fallback is never silent: whenever we end up below
 * what was asked for, `warning` says what failed.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerFastMatMulGradient } from './fastMatMulGradient';
import { registerSecondOrderGradients } from './secondOrderGradients';
import { guardWasmAllocations } from './wasmMemoryGuard';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Present when we fell back below the requested/expected backend: what failed. */
  warning?: string;
}

const WASM_PROBE_FILE = 'tfjs-backend-wasm-simd.wasm';

let pending: Promise<BackendInfo> | undefined;

/**
 * Initialises tfjs once per process (later calls return the same info, even
 * with a different `prefer`: tfjs has one global engine and switching it
 * under running code would be worse than ignoring the request).
 *
 * - `prefer` undefined or 'tensorflow': try tfjs-node, then wasm, then cpu.
 *   Without `prefer`, a missing tfjs-node is normal and not warned about.
 * - 'wasm': skip tfjs-node.   - 'cpu': use cpu (no warning: it was asked for).
 *
 * Also registers the second-order gradient fixes and, off the native backend,
 * the transpose-free matMul gradient (fastMatMulGradient.ts).
 */
export function initBackend(prefer?: BackendName): Promise<BackendInfo> {
  pending ??= selectBackend(prefer).then((info) => {
    guardWasmAllocations();
    // After tfjs-node loaded (its own tfjs-core copy registers stock gradients).
    registerSecondOrderGradients();
    // The native backend multiplies transposed operands at full speed.
    if (info.name !== 'tensorflow') registerFastMatMulGradient();
    return info;
  });
  return pending;
}

async function selectBackend(prefer: BackendName | undefined): Promise<BackendInfo> {
  const failures: string[] = [];
  if (prefer === 'cpu') {
    const version = await registerCpu();
    return (await trySet('cpu'))
      ? { name: 'cpu' }
      : cpuFailed([`cpu backend (tfjs-backend-cpu ${version}) did not initialise`]);
  }

  if (prefer === undefined || prefer === 'tensorflow') {
    const problem = await tryNative();
    if (problem === undefined) return { name: 'tensorflow' };
    failures.push(problem);
  }

  const wasmProblem = await tryWasm();
  if (wasmProblem === undefined) {
    // wasm is the expected backend unless native was asked for explicitly.
    return prefer === 'tensorflow'
      ? { name: 'wasm', warning: `Using the wasm backend: ${failures.join('; ')}.` }
      : { name: 'wasm' };
  }
  failures.push(wasmProblem);

  await registerCpu();
  if (await trySet('cpu')) {
    return {
      name: 'cpu',
      warning:
        `Using the slow pure-JavaScript cpu backend (about 30× slower than wasm): ${failures.join('; ')}. ` +
        'Training and influence will take much longer.',
    };
  }
  return cpuFailed(failures);
}

function cpuFailed(failures: string[]): never {
  throw new Error(`No TensorFlow.js backend could be initialised: ${failures.join('; ')}.`);
}

/**
 * Registers the pure-JavaScript 'cpu' backend and its kernels; returns its version. Loaded only when it is to be used:
 * its ~170 kernel registrations cost every thread's start (the analysis thread and each worker) ~10-20 ms, for a
 * backend that runs only when asked for or when wasm fails. (A dynamic import of a bundled module: esbuild still
 * bundles it and runs its module code only here.)
 */
async function registerCpu(): Promise<string> {
  const cpu = await import('@tensorflow/tfjs-backend-cpu');
  return cpu.version_cpu;
}

/** Returns undefined on success, else why the native backend is unavailable. */
async function tryNative(): Promise<string | undefined> {
  try {
    // createRequire + a computed name: esbuild neither bundles nor rewrites
    // this, so the optional native addon is looked up at run time beside the
    // bundle. Its tfjs-core copy shares the global engine with ours.
    const load = createRequire(__filename);
    const moduleName = ['@tensorflow', 'tfjs-node'].join('/');
    load(moduleName);
  } catch (error) {
    return `@tensorflow/tfjs-node is not available (${firstLine(error)})`;
  }
  return (await trySet('tensorflow')) ? undefined : '@tensorflow/tfjs-node loaded but its backend did not initialise';
}

async function tryWasm(): Promise<string | undefined> {
  try {
    // Importing the package registered the 'wasm' factory; it loads lazily here.
    setWasmPaths(wasmDirectory() + '/');
  } catch (error) {
    return `wasm paths could not be set (${firstLine(error)})`;
  }
  return (await trySet('wasm')) ? undefined : `the wasm backend failed to initialise from ${wasmDirectory()}`;
}

/**
 * Where the .wasm binaries are: beside the running bundle (esbuild copies them
 * into dist/), else inside the installed npm package (tests, tsx).
 */
export function wasmDirectory(): string {
  if (existsSync(path.join(__dirname, WASM_PROBE_FILE))) return __dirname;
  const load = createRequire(__filename);
  return path.join(path.dirname(load.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

/** tf.setBackend returns false (rather than throwing) when init fails. */
async function trySet(name: BackendName): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch {
    return false;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}
