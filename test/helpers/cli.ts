/**
 * Black-box helpers for the command-line tests: make sure dist/ is built from
 * the current sources, run `node dist/cli.js …` as a child process, and write
 * small datasets whose every record's start line is known.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRng, normal } from '../../src/compute/random';

export const REPO = path.resolve(__dirname, '../..');
export const CLI = path.join(REPO, 'dist', 'cli.js');
const BUNDLES = [CLI, path.join(REPO, 'dist', 'worker.js'), path.join(REPO, 'dist', 'analysisWorker.js')];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function bundleIsStale(): boolean {
  const sources = Math.max(newestMtime(path.join(REPO, 'src')), fs.statSync(path.join(REPO, 'esbuild.mjs')).mtimeMs);
  return BUNDLES.some((file) => !fs.existsSync(file) || fs.statSync(file).mtimeMs < sources);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Builds dist/ with `node esbuild.mjs` when a bundle is missing or older than
 * any file under src/. A lock folder keeps test files that run at the same
 * time from building over each other (a stale lock is taken over after 3 min).
 */
export async function ensureBuilt(): Promise<void> {
  if (!bundleIsStale()) return;
  const lock = path.join(os.tmpdir(), `influence-lens-build-${Buffer.from(REPO).toString('hex').slice(-24)}.lock`);
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 180_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        // the other builder just released it
      }
      await sleep(200);
    }
  }
  try {
    if (!bundleIsStale()) return;
    try {
      execFileSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'pipe', timeout: 180_000 });
    } catch (error) {
      const e = error as { stderr?: Buffer; message: string };
      throw new Error(`building dist/ with 'node esbuild.mjs' failed:\n${e.stderr?.toString() ?? e.message}`, {
        cause: error,
      });
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `node dist/cli.js …args`; the caller collects output with {@link finished}. */
export function startCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? os.tmpdir(),
    env: { ...process.env, NODE_OPTIONS: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a started CLI's output; kills it (and fails) if it runs longer than `timeoutMs`. */
export function finished(child: ChildProcess, timeoutMs = 180_000): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not finish within ${timeoutMs} ms; stderr so far:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `node dist/cli.js …args` to completion. */
export function runCli(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return finished(startCli(args, options), options.timeoutMs);
}

/** Describes a finished run for assertion messages. */
export function describeRun(run: CliRun): string {
  return (
    `exit ${run.code}${run.signal ? ` (signal ${run.signal})` : ''}\n--- ` +
    `stderr ---\n${run.stderr.slice(0, 4000)}\n--- stdout ` +
    `---\n${run.stdout.slice(0, 2000)}`
  );
}

/** A fresh folder under the OS temp dir (the caller removes it). */
export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `il-${prefix}-`));
}

/** Files left in `dir` that look like writeFileAtomic temp files (`.NAME.*.tmp`). */
export function leftoverTempFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.startsWith('.') && f.endsWith('.tmp'));
}

export interface CsvRecord {
  /** 0-based data row. */
  row: number;
  /** 1-based line where the record starts. */
  line: number;
  label: string;
}

export interface TabularCsv {
  file: string;
  records: CsvRecord[];
  /** Label of the record starting at each line. */
  labelAtLine: Map<number, string>;
  classes: string[];
}

/**
 * Writes a CSV `x1,x2,x3,note,label` of Gaussian blobs, one class per
 * blob; every `multilineEvery`-th record has a quoted note spanning two or
 * three lines (with an embedded comma and quote), so record lines ≠ row + 2.
 */
export function writeBlobsCsv(
  file: string,
  options: {
    n: number;
    classes: string[];
    seed: number;
    multilineEvery?: number;
    separation?: number;
    eol?: '\n' | '\r\n';
  },
): TabularCsv {
  const { n, classes, seed } = options;
  const eol = options.eol ?? '\n';
  const every = options.multilineEvery ?? 7;
  const sep = options.separation ?? 2.5;
  const rng = createRng(seed);
  const lines = ['x1,x2,x3,note,label'];
  const records: CsvRecord[] = [];
  let line = 2;
  for (let row = 0; row < n; row++) {
    const c = row % classes.length;
    const x = [0, 1, 2].map((j) => (sep * Math.cos(c + j) + normal(rng)).toFixed(3));
    const note =
      row % every === 3
        ? `"first part, of ${row}${eol}second ""quoted"" part${row % 2 ? `${eol}third part` : ''}"`
        : `plain ${row % 4}`;
    const text = `${x.join(',')},${note},${classes[c]}`;
    lines.push(text);
    records.push({ row, line, label: classes[c] });
    line += text.split(eol).length;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.join(eol) + eol);
  return { file, records, labelAtLine: new Map(records.map((r) => [r.line, r.label])), classes };
}
