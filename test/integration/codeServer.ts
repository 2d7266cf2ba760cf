/**
 * Starts code-server (installed by scripts/setup-code-server.sh into
 * .cache/code-server) on 127.0.0.1 with a free port and throw-away
 * folders, and stops it with its whole process group: a plain SIGTERM leaves
 * its file watchers behind (../shared/PLATFORM.md).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
export const CODE_SERVER = path.join(REPO, '.cache/code-server/node_modules/code-server/out/node/entry.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface CodeServer {
  port: number;
  url: string;
  tmp: string;
  extensionsDir: string;
  output: string[];
  stop(): Promise<void>;
}

export interface StartOptions {
  workspace: string;
  /** Extra environment for code-server and so for its extension host. */
  env?: NodeJS.ProcessEnv;
  /** Folder for extensions (--extensions-dir); default: a fresh empty one. */
  extensionsDir?: string;
  tmp: string;
  /** Keep VS Code's workspace trust on (a fresh folder then opens in Restricted Mode); off by default. */
  workspaceTrust?: boolean;
}

export function makeTemp(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Runs code-server's CLI once (e.g. --install-extension) with the same isolated folders. */
export function codeServerCli(args: string[], tmp: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CODE_SERVER, ...args], {
      env: isolatedEnv(tmp),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

function isolatedEnv(tmp: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // XDG folders in the temp dir, or code-server writes its config into the home folder.
  for (const d of ['config', 'data', 'user-data']) mkdirSync(path.join(tmp, d), { recursive: true });
  return { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'config'), XDG_DATA_HOME: path.join(tmp, 'data'), ...extra };
}

export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
  if (!existsSync(CODE_SERVER)) {
    throw new Error(`code-server is not installed at ${CODE_SERVER}; run scripts/setup-code-server.sh first`);
  }
  const { tmp } = opts;
  const userData = path.join(tmp, 'user-data');
  const extensionsDir = opts.extensionsDir ?? path.join(tmp, 'extensions');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
    }),
  );
  const port = await freePort();
  const args = [
    CODE_SERVER,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--extensions-dir',
    extensionsDir,
    '--user-data-dir',
    userData,
    opts.workspace,
  ];
  const output: string[] = [];
  // detached: its own process group (setsid), so stop() can kill every process it started.
  const child: ChildProcess = spawn(process.execPath, args, {
    env: isolatedEnv(tmp, opts.env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url} within 60 s:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    port,
    url,
    tmp,
    extensionsDir,
    output,
    stop: async () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timeout = new Promise((r) => setTimeout(r, 3000, 'timeout'));
      if ((await Promise.race([gone, timeout])) === 'timeout') {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Debian's chromium, as ../shared/PLATFORM.md prescribes. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
