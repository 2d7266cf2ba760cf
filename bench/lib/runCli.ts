/**
 * Runs one analysis through the bundled CLI (dist/cli.js) as a subprocess —
 * what a user runs, cold: process start, backend init, worker threads,
 * results file written. Returns the results file and how the process used
 * the machine.
 *
 * Why a subprocess rather than analyze() in the harness: it measures what
 * users run (the bundle, its worker.js, a cold start), each run starts from a
 * fresh wasm heap, and a crash or a time-out in one analysis cannot take the
 * harness down. (In-process runs under tsx failed on Node 20 until the pool
 * bootstrapped tsx itself; probeInProcess.ts checks, and the acceptance
 * configuration is also timed in-process as a cross-check.)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ResultsFile } from '../../src/compute/results/schema';
import { machineBusySeconds, otherLoadCores } from './cpuLoad';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const PRELOAD = path.join(__dirname, 'rusagePreload.cjs');

export interface CliRun {
  ok: boolean;
  /** Spawn to exit, seconds. */
  wallSeconds: number;
  exitCode: number | null;
  timedOut: boolean;
  /** User + system CPU of the subprocess (all its threads); null if unknown. */
  cpuSeconds: number | null;
  maxRssMB: number | null;
  /** Peak `external` memory of the main thread (its wasm heap + Buffers), MB; null if unknown. */
  maxExternalMB?: number | null;
  /** Cores kept busy by other processes on average during the run. */
  otherLoadCores: number | null;
  results?: ResultsFile;
  error?: string;
}

export interface CliRunOptions {
  /** `analyze` arguments after the dataset path (the harness adds --json, --no-progress, --out). */
  args: string[];
  dataset: string;
  outFile: string;
  timeoutSeconds: number;
}

export function runCliAnalyze(options: CliRunOptions): Promise<CliRun> {
  if (!fs.existsSync(CLI)) {
    return Promise.resolve({
      ok: false,
      wallSeconds: 0,
      exitCode: null,
      timedOut: false,
      cpuSeconds: null,
      maxRssMB: null,
      otherLoadCores: null,
      error: `${CLI} is missing: run through \`npm run bench\` (it builds first)`,
    });
  }
  const rusageFile = `${options.outFile}.rusage.json`;
  fs.rmSync(rusageFile, { force: true });
  fs.rmSync(options.outFile, { force: true });
  const argv = [CLI, 'analyze', options.dataset, ...options.args, '--json', '--no-progress', '--out', options.outFile];
  const env = {
    ...process.env,
    NODE_OPTIONS: `--require ${JSON.stringify(PRELOAD)}`,
    INFLUENCE_LENS_BENCH_RUSAGE: rusageFile,
  };

  return new Promise((resolve) => {
    const busyBefore = machineBusySeconds();
    const t0 = performance.now();
    const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutSeconds * 1000);
    let finished = false;
    const finish = (exitCode: number | null, spawnError?: Error) => {
      if (finished) return; // 'error' and 'close' can both fire
      finished = true;
      clearTimeout(timer);
      const wallSeconds = (performance.now() - t0) / 1000;
      const busyAfter = machineBusySeconds();
      let cpuSeconds: number | null = null;
      let maxRssMB: number | null = null;
      let maxExternalMB: number | null = null;
      try {
        const u = JSON.parse(fs.readFileSync(rusageFile, 'utf8')) as {
          userSeconds: number;
          systemSeconds: number;
          maxRssKB: number;
          maxExternalBytes?: number;
        };
        cpuSeconds = u.userSeconds + u.systemSeconds;
        maxRssMB = u.maxRssKB / 1024;
        maxExternalMB = u.maxExternalBytes !== undefined ? u.maxExternalBytes / 2 ** 20 : null;
      } catch {
        // killed before exit handlers ran
      }
      fs.rmSync(rusageFile, { force: true });
      const run: CliRun = {
        ok: false,
        wallSeconds,
        exitCode,
        timedOut,
        cpuSeconds,
        maxRssMB,
        maxExternalMB,
        otherLoadCores: otherLoadCores(busyBefore, busyAfter, cpuSeconds ?? 0, wallSeconds),
      };
      if (spawnError) run.error = spawnError.message;
      else if (timedOut) run.error = `killed after the ${options.timeoutSeconds} s time limit`;
      else if (exitCode !== 0) run.error = `exit code ${exitCode}: ${lastLines(stderr)}`;
      else {
        try {
          run.results = JSON.parse(fs.readFileSync(options.outFile, 'utf8')) as ResultsFile;
          run.ok = true;
        } catch (err) {
          run.error = `results file unreadable: ${(err as Error).message}`;
        }
      }
      resolve(run);
    };
    child.on('error', (err) => finish(null, err));
    child.on('close', (code) => finish(code));
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-6).join(' | ');
}
