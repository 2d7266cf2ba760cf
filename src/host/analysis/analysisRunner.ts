/**
 * Runs analyses: one per dataset at a time (a second request asks whether to
 * cancel the first), cached results reused when the content and settings are
 * unchanged, progress in a cancellable notification, and every way a run can
 * end turned into one outcome and, for failures, one clear message with
 * "Show log".
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { ResultsFile } from '../../compute/results/schema';
import type { JobOptions } from '../../protocol/compute';
import { ResultsCache } from './cache';
import type { InterruptedJobs } from './interruptedJobs';
import { ComputeRun, type Outcome } from './computeClient';
import { fingerprintAnalysis, settingsKey } from './fingerprint';
import { cacheKeyOptions, fitKeyOptions, inExtensionTerms } from './jobOptions';
import type { Log } from '../log';
import type { Notifier } from '../notifier';
import { ProgressTracker, stageMessage } from './progressModel';
import { readResults } from './resultsFile';

export type AnalysisOutcome =
  | {
      kind: 'results';
      datasetPath: string;
      resultsPath: string;
      results: ResultsFile;
      /** Content fingerprint of the data the results were computed on (the stale watcher's baseline). */
      fingerprint: string;
      fromCache: boolean;
      stale: boolean;
    }
  | { kind: 'cancelled'; datasetPath: string }
  | { kind: 'failed'; datasetPath: string; message: string }
  /** The user kept the running analysis, or dismissed a question. */
  | { kind: 'declined'; datasetPath: string };

export interface RunningInfo {
  datasetPath: string;
  pid?: number;
  stage?: string;
  done?: number;
  total?: number;
  message?: string;
  /** Which test set this run uses, in words (shown in the progress notification). */
  testSet?: string;
  startedAt: number;
}

interface Job {
  info: RunningInfo;
  run?: ComputeRun;
  cancelled: boolean;
  finished: Promise<unknown>;
}

export interface RunnerDeps {
  extensionUri: vscode.Uri;
  cache: ResultsCache;
  log: Log;
  notifier: Notifier;
  /** Heap limit for the subprocess in MB (0: Node's default), read per run. */
  maxMemoryMB: () => number;
  /** Notes runs in progress, so one cut off by a window reload is offered again. */
  interrupted: InterruptedJobs;
}

export class AnalysisRunner implements vscode.Disposable {
  private readonly jobs = new Map<string, Job>();
  private readonly changed = new vscode.EventEmitter<RunningInfo[]>();
  /** Fires when an analysis starts, reports progress, or ends. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly deps: RunnerDeps) {}

  running(): RunningInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info }));
  }

  /** Cancels the analysis of a dataset; false when none runs. */
  cancel(datasetPath: string): boolean {
    const job = this.jobs.get(path.resolve(datasetPath));
    if (!job) return false;
    this.deps.log.info(`cancel requested for ${job.info.datasetPath} (stage ${job.info.stage ?? 'starting'})`);
    job.cancelled = true;
    job.run?.cancel();
    return true;
  }

  /**
   * Results for these options: the cached ones when fresh (unless `force`),
   * else a new run in the subprocess.
   */
  async analyze(options: JobOptions, force = false, testSet?: string): Promise<AnalysisOutcome> {
    const datasetPath = path.resolve(options.datasetPath);
    const name = path.basename(datasetPath);
    const existing = this.jobs.get(datasetPath);
    if (existing) {
      const picked = await this.deps.notifier.confirm(
        `An analysis of ${name} is already running.`,
        'Only one analysis per dataset runs at a time. Cancel the running one ' +
          'and start again with the current settings?',
        'Cancel and Restart',
      );
      if (picked !== 'Cancel and Restart') return { kind: 'declined', datasetPath };
      this.cancel(datasetPath);
      await existing.finished;
      // Someone else may have started one while we waited.
      if (this.jobs.has(datasetPath)) return { kind: 'declined', datasetPath };
    }
    // Claim the dataset before the first await, so two quick requests cannot both start.
    let finish!: () => void;
    const job: Job = {
      info: { datasetPath, testSet, startedAt: Date.now() },
      cancelled: false,
      finished: new Promise<void>((r) => (finish = r)),
    };
    this.jobs.set(datasetPath, job);
    this.fire();
    try {
      return await this.analyzeClaimed({ ...options, datasetPath }, job, force);
    } catch (error) {
      const message = `Influence Lens: ${(error as Error).message}`;
      void this.deps.notifier.error(message);
      return { kind: 'failed', datasetPath, message };
    } finally {
      this.jobs.delete(datasetPath);
      finish();
      this.fire();
    }
  }

  private async analyzeClaimed(options: JobOptions, job: Job, force: boolean): Promise<AnalysisOutcome> {
    const { cache, log } = this.deps;
    const datasetPath = options.datasetPath;
    const key = settingsKey(cacheKeyOptions(options));
    const fingerprint = await fingerprintAnalysis(datasetPath, options);
    if (!force) {
      const hit = await cache.lookup(datasetPath, key, fingerprint);
      if (hit?.status === 'fresh') {
        log.info(
          `${datasetPath}: unchanged since ${hit.entry.createdAt}; opening the cached results (${hit.resultsPath})`,
        );
        const results = await readResults(hit.resultsPath);
        return {
          kind: 'results',
          datasetPath,
          resultsPath: hit.resultsPath,
          results,
          fingerprint,
          fromCache: true,
          stale: false,
        };
      }
    }
    if (job.cancelled) return { kind: 'cancelled', datasetPath };
    await cache.prepare(datasetPath);
    await cache.removeLeftovers(datasetPath);
    const resultsPath = cache.resultsPath(datasetPath, key);
    // The settings key names the results; the fit key (a subset) names the trained model they share.
    const fitPath = cache.fitPath(datasetPath, settingsKey(fitKeyOptions(options)));
    await this.deps.interrupted.started(datasetPath);
    try {
      const outcome = await this.runProcess(options, resultsPath, fitPath, job);
      if (outcome.kind === 'result') await cache.pruneFits(datasetPath, fitPath);
      return await this.conclude(options, outcome, { key, fingerprint, started: job.info.startedAt });
    } finally {
      await this.deps.interrupted.ended(datasetPath);
    }
  }

  private runProcess(options: JobOptions, resultsPath: string, fitPath: string, job: Job): Promise<Outcome> {
    const { extensionUri, log } = this.deps;
    const entry = vscode.Uri.joinPath(extensionUri, 'dist', 'computeProcess.js').fsPath;
    const memory = this.deps.maxMemoryMB();
    const execArgv = memory > 0 ? [`--max-old-space-size=${Math.round(memory)}`] : [];
    log.info(
      `starting analysis of ${options.datasetPath}: ` +
        `${JSON.stringify(options)}${execArgv.length ? ` (${execArgv.join(' ')})` : ''}`,
    );
    if (job.info.testSet) log.info(`test set: ${job.info.testSet}`);
    const testSet = job.info.testSet ? ` (test set: ${job.info.testSet.split(':')[0]})` : '';
    return Promise.resolve(
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Influence Lens: ${path.basename(options.datasetPath)}${testSet}`,
          cancellable: true,
        },
        async (progress, token) => {
          const tracker = new ProgressTracker();
          progress.report({ message: 'Starting…' });
          const run = new ComputeRun({
            entry,
            options,
            resultsPath,
            fitPath,
            execArgv,
            onLog: (level, message) => log[level](message),
            onProgress: (p) => {
              Object.assign(job.info, { stage: p.stage, done: p.done, total: p.total, message: p.message });
              progress.report({
                message: stageMessage(p.stage, p.done, p.total, p.message),
                increment: tracker.increment(p.stage, p.done, p.total),
              });
              this.fire();
            },
          });
          job.run = run;
          job.info.pid = run.pid;
          log.info(`analysis process pid ${run.pid ?? '?'}`);
          this.fire();
          if (job.cancelled || token.isCancellationRequested) run.cancel();
          const sub = token.onCancellationRequested(() => {
            job.cancelled = true;
            log.info('cancel requested');
            run.cancel();
          });
          try {
            return await run.done;
          } finally {
            sub.dispose();
          }
        },
      ),
    );
  }

  private async conclude(
    options: JobOptions,
    outcome: Outcome,
    meta: { key: string; fingerprint: string; started: number },
  ): Promise<AnalysisOutcome> {
    const { cache, log, notifier } = this.deps;
    const datasetPath = options.datasetPath;
    const seconds = ((Date.now() - meta.started) / 1000).toFixed(1);
    switch (outcome.kind) {
      case 'result': {
        await cache.record(datasetPath, {
          settingsKey: meta.key,
          fingerprint: meta.fingerprint,
          resultsFile: path.basename(outcome.resultsPath),
          createdAt: new Date().toISOString(),
          options,
        });
        const results = await readResults(outcome.resultsPath);
        log.info(
          `analysis of ${datasetPath} finished in ${seconds} s on backend ` +
            `${results.engine.backend}: ${results.train.length} training and ` +
            `${results.test.length} test samples`,
        );
        // The files may have changed while it ran: such results are shown as stale, never as fresh.
        const now = await fingerprintAnalysis(datasetPath, options).catch(() => '');
        const stale = now !== meta.fingerprint;
        if (stale) log.info(`${datasetPath} changed during the analysis; its results are marked stale`);
        return {
          kind: 'results',
          datasetPath,
          resultsPath: outcome.resultsPath,
          results,
          fingerprint: meta.fingerprint,
          fromCache: false,
          stale,
        };
      }
      case 'cancelled': {
        const removed = await cache.removeLeftovers(datasetPath);
        log.info(
          `analysis of ${datasetPath} cancelled after ${seconds} ` +
            `s${outcome.killed ? ' (the process was killed)' : ''}${removed ? `; removed ${removed} partial file(s)` : ''}`,
        );
        void notifier.info(`Influence Lens: analysis of ${path.basename(datasetPath)} cancelled.`);
        return { kind: 'cancelled', datasetPath };
      }
      case 'inputError': {
        const { text, memory } = inExtensionTerms(outcome.message);
        const message = `Influence Lens: ${text}`;
        const file = outcome.file;
        // A memory refusal names the dataset, but nothing in it to open: the way out is the setting.
        const actions: { title: string; run: () => Thenable<unknown> }[] =
          file && !memory
            ? [{ title: 'Open file', run: () => openAt(path.resolve(path.dirname(datasetPath), file), outcome.line) }]
            : [];
        if (memory)
          actions.push({
            title: 'Memory setting',
            run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'influenceLens.maxMemoryMB'),
          });
        void notifier.error(message, ...actions);
        return { kind: 'failed', datasetPath, message };
      }
      case 'internalError': {
        const message = `Influence Lens: the analysis failed: ${outcome.message}`;
        void notifier.error(message, this.retry(datasetPath));
        return { kind: 'failed', datasetPath, message };
      }
      case 'crash': {
        await cache.removeLeftovers(datasetPath);
        const message = `Influence Lens: ${outcome.message}`;
        const actions = [this.retry(datasetPath)];
        if (outcome.outOfMemory)
          actions.push({
            title: 'Memory setting',
            run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'influenceLens.maxMemoryMB'),
          });
        void notifier.error(message, ...actions);
        return { kind: 'failed', datasetPath, message };
      }
    }
  }

  /** "Retry": the same analysis again (the previous good results stay in the cache meanwhile). */
  private retry(datasetPath: string) {
    return { title: 'Retry', run: () => vscode.commands.executeCommand('influenceLens.rerun', datasetPath) };
  }

  private fire(): void {
    this.changed.fire(this.running());
  }

  dispose(): void {
    for (const job of this.jobs.values()) job.run?.kill();
    this.changed.dispose();
  }
}

async function openAt(file: string, line?: number): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos) });
}
