/**
 * What the numbers were measured on: CPU, cores, memory, Node, tfjs and its
 * backend, the source revision, and how busy the machine was. Timings from a
 * shared machine mean little without the last item.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MachineInfo {
  cpuModel: string;
  cpuMHz: number | null;
  /** os.availableParallelism(): what the engine sizes its worker pool by. */
  cores: number;
  logicalCpus: number;
  memoryGB: number;
  platform: string;
  kernel: string;
  node: string;
  v8: string;
  tfjsCore: string | null;
  tfjsBackendWasm: string | null;
  /** Filled in once the backend is initialised (kernels section) or read from a results file. */
  backend: string | null;
  backendWarning?: string;
  gitCommit: string | null;
  /** Files under src/ that differ from the commit: the numbers are for the working tree. */
  gitDirtySrcFiles: number | null;
  loadAverageAtStart: number[];
}

const repoRoot = path.resolve(__dirname, '..', '..');

function cpuInfoField(field: string): string | null {
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(field));
    return line ? line.slice(line.indexOf(':') + 1).trim() : null;
  } catch {
    return null;
  }
}

function packageVersion(name: string): string | null {
  try {
    const file = path.join(repoRoot, 'node_modules', name, 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function describeMachine(): MachineInfo {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const mhz = Number(cpuInfoField('cpu MHz'));
  const dirty = git(['status', '--porcelain', '--', 'src']);
  return {
    cpuModel: cpuInfoField('model name') ?? os.cpus()[0]?.model ?? 'unknown',
    cpuMHz: Number.isFinite(mhz) && mhz > 0 ? Math.round(mhz) : null,
    cores,
    logicalCpus: os.cpus().length,
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    v8: process.versions.v8,
    tfjsCore: packageVersion('@tensorflow/tfjs-core'),
    tfjsBackendWasm: packageVersion('@tensorflow/tfjs-backend-wasm'),
    backend: null,
    gitCommit: git(['rev-parse', '--short=12', 'HEAD']),
    gitDirtySrcFiles: dirty === null ? null : dirty.split('\n').filter(Boolean).length,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
