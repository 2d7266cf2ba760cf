/**
 * Runs one analysis in a forked compute subprocess (dist/computeProcess.js):
 * sends `start`, checks every message that comes back, forwards progress and
 * log lines, and settles with exactly one outcome. Cancel sends `cancel` and,
 * when the process has not exited within `killAfterMs` (the engine only
 * checks for cancellation between units of work), kills it. A process that
 * exits without an answer is a crash, reported with its exit code or signal,
 * whether it ran out of memory, and the tail of its stderr.
 * Plain Node (no vscode), so it is tested with stand-in child scripts.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { computeEnvironment } from './childEnvironment';
import { type ComputeToHost, type JobOptions, parseComputeToHost } from '../../protocol/compute';

export type Outcome =
  | { kind: 'result'; resultsPath: string }
  | { kind: 'cancelled'; killed: boolean }
  | { kind: 'inputError'; message: string; file?: string; line?: number }
  | { kind: 'internalError'; message: string }
  | {
      kind: 'crash';
      message: string;
      exitCode: number | null;
      signal: NodeJS.Signals | null;
      outOfMemory: boolean;
      hung?: boolean;
    };

export interface ComputeProgress {
  stage: string;
  done: number;
  total: number;
  message?: string;
}

export interface ComputeRunOptions {
  /** The subprocess script. */
  entry: string;
  options: JobOptions;
  resultsPath: string;
  /** Where the engine reuses or saves the fit (ResultsCache.fitPath). */
  fitPath?: string;
  onProgress?: (p: ComputeProgress) => void;
  onLog?: (level: 'trace' | 'info' | 'warn' | 'error', message: string) => void;
  /** Node flags for the subprocess, e.g. --max-old-space-size=4096. */
  execArgv?: string[];
  /** The environment to choose from (default: the host's); only the allow-listed variables reach the process. */
  env?: NodeJS.ProcessEnv;
  /** How long a cancelled process may take to stop before it is killed. Default 1000 ms. */
  killAfterMs?: number;
  /**
   * Silence (no message, no output) after which the process is taken to hang
   * and is killed. Default 10 minutes: the process sends a heartbeat every
   * 5 s, but one long float64 factorization can hold its thread for minutes.
   */
  stallTimeoutMs?: number;
}

export const DEFAULT_STALL_TIMEOUT_MS = 10 * 60_000;

/** Lines of stderr kept for the crash report. */
const STDERR_TAIL_LINES = 30;

const OOM_PATTERN =
  /heap out of memory|Allocation failed|Reached heap limit|out of memory|memory access out of bounds/i;

export class ComputeRun {
  readonly pid: number | undefined;
  readonly done: Promise<Outcome>;
  private readonly child: ChildProcess;
  private settle!: (o: Outcome) => void;
  private answer: Outcome | undefined;
  private cancelRequested = false;
  private killTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly stderrTail: string[] = [];
  private exited = false;
  private lastHeard = Date.now();
  private stalled = false;
  private readonly watchdog: ReturnType<typeof setInterval>;

  constructor(private readonly opts: ComputeRunOptions) {
    this.done = new Promise((resolve) => (this.settle = resolve));
    this.child = fork(opts.entry, [], {
      execArgv: opts.execArgv ?? [],
      env: computeEnvironment(opts.env ?? process.env),
      // stdout/stderr piped into the log; IPC for the protocol.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.pid = this.child.pid;
    this.child.stdout?.setEncoding('utf8').on('data', (s: string) => this.lines(s, 'info'));
    this.child.stderr?.setEncoding('utf8').on('data', (s: string) => this.lines(s, 'warn', true));
    this.child.on('message', (raw: unknown) => this.onMessage(raw));
    this.child.on('error', (error) => {
      // Spawning failed (no such file, no node): there will be no 'exit' with an answer.
      if (!this.exited)
        this.finish({
          kind: 'crash',
          message: `could not start the analysis process: ${error.message}`,
          exitCode: null,
          signal: null,
          outOfMemory: false,
        });
    });
    this.child.on('exit', (code, signal) => this.onExit(code, signal));
    this.child.send({
      type: 'start',
      options: opts.options,
      resultsPath: opts.resultsPath,
      ...(opts.fitPath ? { fitPath: opts.fitPath } : {}),
    });
    const stallMs = opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    this.watchdog = setInterval(() => this.checkStall(stallMs), Math.min(5000, Math.max(50, stallMs / 4)));
    this.watchdog.unref();
  }

  /** Kills a process that has said nothing for `stallMs`: a hang, reported as such (the user can retry). */
  private checkStall(stallMs: number): void {
    if (this.exited || this.stalled || Date.now() - this.lastHeard < stallMs) return;
    this.stalled = true;
    this.opts.onLog?.(
      'warn',
      `the analysis process has sent nothing for ${(stallMs / 1000).toFixed(0)} s; it seems to hang, killing it`,
    );
    this.child.kill('SIGKILL');
  }

  /** Asks the process to stop; kills it if it has not exited after `killAfterMs`. */
  cancel(): void {
    if (this.exited || this.cancelRequested) return;
    this.cancelRequested = true;
    if (this.child.connected) this.child.send({ type: 'cancel' }, () => undefined);
    this.killTimer = setTimeout(() => {
      if (!this.exited) {
        this.opts.onLog?.(
          'warn',
          `the analysis process did not stop within ${this.opts.killAfterMs ?? 1000} ms of the cancel; killing it`,
        );
        this.child.kill('SIGKILL');
      }
    }, this.opts.killAfterMs ?? 1000);
  }

  /** Kills the process at once (window closing, extension deactivating). */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private lines(chunk: string, level: 'info' | 'warn', keep = false): void {
    this.lastHeard = Date.now();
    for (const line of chunk.split(/\r?\n/)) {
      if (line === '') continue;
      this.opts.onLog?.(level, `[process] ${line}`);
      if (keep) {
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      }
    }
  }

  private onMessage(raw: unknown): void {
    this.lastHeard = Date.now();
    let message: ComputeToHost;
    try {
      message = parseComputeToHost(raw);
    } catch (error) {
      // A process that speaks garbage cannot be trusted to finish cleanly.
      this.finish({
        kind: 'internalError',
        message: `the analysis process sent an invalid message (${(error as Error).message})`,
      });
      this.kill();
      return;
    }
    switch (message.type) {
      case 'heartbeat':
        return;
      case 'progress':
        this.opts.onProgress?.({
          stage: message.stage,
          done: message.done,
          total: message.total,
          message: message.message,
        });
        return;
      case 'log':
        this.opts.onLog?.(message.level, message.message);
        return;
      case 'result':
        this.answer = { kind: 'result', resultsPath: message.resultsPath };
        return;
      case 'cancelled':
        this.answer = { kind: 'cancelled', killed: false };
        return;
      case 'error':
        this.answer =
          message.kind === 'input'
            ? { kind: 'inputError', message: message.message, file: message.file, line: message.line }
            : { kind: 'internalError', message: message.message };
        return;
    }
  }

  /** The outcome is decided when the process has exited: only then are its files closed and renamed. */
  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    clearInterval(this.watchdog);
    if (this.killTimer) clearTimeout(this.killTimer);
    if (this.answer) return this.finish(this.answer);
    if (this.cancelRequested) return this.finish({ kind: 'cancelled', killed: signal === 'SIGKILL' });
    if (this.stalled) {
      const silent = ((this.opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS) / 1000).toFixed(0);
      return this.finish({
        kind: 'crash',
        message:
          `The analysis process stopped responding (nothing from it for ${silent} ` +
          `s) and was stopped. Retry; if it hangs again, the log shows the last ` +
          `stage it reached.`,
        exitCode: code,
        signal,
        outOfMemory: false,
        hung: true,
      });
    }
    const tail = this.stderrTail.join('\n');
    const outOfMemory = OOM_PATTERN.test(tail) || signal === 'SIGABRT' || code === 134;
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    const message = outOfMemory
      ? `The analysis process ran out of memory and ${how}. Try a smaller "maximum samples" setting or a smaller model.`
      : `The analysis process stopped unexpectedly: it ${how} without a result.`;
    this.finish({ kind: 'crash', message, exitCode: code, signal, outOfMemory });
  }

  private finish(outcome: Outcome): void {
    this.settle(outcome);
  }
}
