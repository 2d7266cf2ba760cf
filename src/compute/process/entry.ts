/**
 * The compute subprocess: a thin shell over analyze() (on a worker thread, see
 * analyzeInWorker) that the extension host
 * forks (bundled to dist/computeProcess.js). It reads typed messages from the
 * IPC channel, reports progress and per-stage timings, writes the results file
 * atomically to the path the host gave, and exits. Never imports 'vscode'.
 */
import { CancelledError, InputError } from '../errors';
import type { AnalyzeRun } from '../pipeline/analyze';
import { analyzeInWorker } from './analyzeInWorker';
import type { Progress } from '../pipeline/options';
import { writeFileAtomic } from '../results/writeAtomic';
import { type ComputeToHost, type HostToCompute, parseHostToCompute } from '../../protocol/compute';
import { ProgressForwarder } from './progressForwarder';

/** How often the process says it is alive (the analysis runs on a worker thread, so this thread is free to say it). */
const HEARTBEAT_MS = 5000;

/** Exit codes: the host reads the outcome from messages; these only tell a crash apart. */
const EXIT = { done: 0, failed: 1, protocol: 3 } as const;

function send(message: ComputeToHost): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

const log = (level: 'trace' | 'info' | 'warn' | 'error', message: string) => send({ type: 'log', level, message });

async function finish(message: ComputeToHost, code: number): Promise<never> {
  await send(message);
  // Exit explicitly: worker threads or tfjs timers must not keep the process alive.
  process.exit(code);
}

async function run(start: Extract<HostToCompute, { type: 'start' }>, controller: AbortController): Promise<never> {
  const started = performance.now();
  const forwarder = new ProgressForwarder(
    (m) => void send(m),
    (line) => void log('info', line),
  );
  const options: AnalyzeRun = {
    ...start.options,
    fitPath: start.fitPath,
    onFitCache: (line) => void log('info', line),
    signal: controller.signal,
    onProgress: (p: Progress) => forwarder.update(p),
  };
  void log('info', `pid ${process.pid}, node ${process.version}; analyzing ${options.datasetPath}`);
  try {
    const answer = await analyzeInWorker(options);
    forwarder.close();
    if (controller.signal.aborted) throw new CancelledError();
    const { engine, timings } = answer.overview;
    const warning = engine.backendWarning ? ` (${engine.backendWarning})` : '';
    await log('info', `backend ${engine.backend}${warning}, ${engine.workers} worker(s)`);
    const stages = Object.entries(timings.stages).map(([name, s]) => `${name} ${s.toFixed(2)} s`);
    await log('info', `engine stage times: ${stages.join(', ')}`);
    await writeFileAtomic(start.resultsPath, answer.json, controller.signal);
    await log(
      'info',
      `results written to ${start.resultsPath} in ${((performance.now() - started) / 1000).toFixed(1)} s total`,
    );
    return finish({ type: 'result', resultsPath: start.resultsPath }, EXIT.done);
  } catch (error) {
    forwarder.close();
    if (error instanceof CancelledError || controller.signal.aborted) {
      return finish({ type: 'cancelled' }, EXIT.done);
    }
    if (error instanceof InputError) {
      return finish(
        { type: 'error', kind: 'input', message: error.message, file: error.file, line: error.line },
        EXIT.done,
      );
    }
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    await log('error', text);
    return finish(
      { type: 'error', kind: 'internal', message: error instanceof Error ? error.message : String(error) },
      EXIT.failed,
    );
  }
}

function main(): void {
  if (!process.send) {
    process.stderr.write(
      'computeProcess: expected to be started by the extension with an IPC channel (child_process.fork)\n',
    );
    process.exit(EXIT.protocol);
  }
  const controller = new AbortController();
  let started = false;
  process.on('message', (raw: unknown) => {
    let message: HostToCompute;
    try {
      message = parseHostToCompute(raw);
    } catch (error) {
      void finish(
        { type: 'error', kind: 'internal', message: `bad message from the host: ${(error as Error).message}` },
        EXIT.protocol,
      );
      return;
    }
    if (message.type === 'cancel') {
      // The analysis thread sees this at its next check (milliseconds) or is terminated; the host kills us if even that
      // fails.
      controller.abort();
      if (!started) void finish({ type: 'cancelled' }, EXIT.done);
      return;
    }
    if (started) {
      void log('warn', 'a second start message was ignored: one process runs one analysis');
      return;
    }
    started = true;
    setInterval(() => void send({ type: 'heartbeat' }), HEARTBEAT_MS).unref();
    void run(message, controller);
  });
  // The host went away (window closed, extension host crashed): nobody wants the result.
  process.on('disconnect', () => process.exit(EXIT.failed));
}

main();
