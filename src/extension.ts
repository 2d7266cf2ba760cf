/**
 * Influence Lens: wiring only. The pieces live in src/host/ (one job per
 * file); the compute engine runs in a subprocess (src/compute/process/entry.ts).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { AnalysisRunner } from './host/analysis/analysisRunner';
import { createApi, type InfluenceLensApi } from './host/api';
import { ResultsCache } from './host/analysis/cache';
import { ChoiceStore } from './host/analysis/choices';
import { COMMAND, registerCommands } from './host/commands';
import { exportAndAnnounce } from './host/reviews/exportNotice';
import { exportReviews } from './host/reviews/exportReviews';
import { InterruptedJobs } from './host/analysis/interruptedJobs';
import { createLog } from './host/log';
import { Notifier } from './host/notifier';
import { VIEW_TYPE } from './host/panel/panel';
import { PanelController } from './host/panel/panelController';
import { ReviewStore } from './host/reviews/reviewStore';
import { readSettings } from './host/analysis/settings';
import { heapLimitMB } from './host/analysis/jobOptions';
import { UndoStore } from './host/relabel/undoStore';

let runner: AnalysisRunner | undefined;

export function activate(context: vscode.ExtensionContext): InfluenceLensApi {
  const log = createLog();
  const notifier = new Notifier(log);
  // Workspace storage: results belong to this workspace's data; global storage when no folder is open.
  const storage = context.storageUri ?? context.globalStorageUri;
  const cache = new ResultsCache(vscode.Uri.joinPath(storage, 'results').fsPath);
  const reviews = new ReviewStore(context.workspaceState);
  const choices = new ChoiceStore(context.workspaceState);
  const interrupted = new InterruptedJobs(context.workspaceState);
  runner = new AnalysisRunner({
    extensionUri: context.extensionUri,
    cache,
    log,
    notifier,
    interrupted,
    maxMemoryMB: () => heapLimitMB(readSettings()),
  });
  const activeRunner = runner;

  // The controller and the commands need each other (re-run from the panel); commandDeps is filled in below.
  const rerun = (datasetPath: string) => vscode.commands.executeCommand(COMMAND.rerun, datasetPath);
  const controller = new PanelController({
    extensionUri: context.extensionUri,
    cache,
    reviews,
    notifier,
    log,
    onRunning: activeRunner.onDidChange,
    rerun,
    checkReliability: (datasetPath) => vscode.commands.executeCommand(COMMAND.reliability, datasetPath),
    removeHarmful: (datasetPath, count) => vscode.commands.executeCommand(COMMAND.removeHarmful, datasetPath, count),
    exportReviews: (datasetPath, format) =>
      exportAndAnnounce(
        () => exportReviews(datasetPath, reviews, format),
        Object.keys(reviews.get(datasetPath)).length,
        notifier,
      ),
    undo: new UndoStore(context.workspaceState),
  });
  const commandDeps = {
    state: context.workspaceState,
    runner: activeRunner,
    controller,
    cache,
    choices,
    reviews,
    notifier,
    log,
  };

  context.subscriptions.push(
    log,
    activeRunner,
    controller,
    ...registerCommands(commandDeps),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: unknown) => controller.restore(panel, state),
    }),
  );
  void offerInterrupted(interrupted, notifier, log);
  log.info(
    `Influence Lens activated (VS Code ${vscode.version}, node ` +
      `${process.version}, ${process.platform}/${process.arch}); cache in ` +
      `${cache.dir}`,
  );

  return createApi({
    cacheDir: cache.dir,
    running: () => activeRunner.running(),
    onDidChangeRunning: activeRunner.onDidChange,
    messages: () => [...notifier.history],
    current: () => {
      const c = controller.current;
      return c && { datasetPath: c.datasetPath, resultsPath: c.resultsPath, stale: c.stale, results: c.results };
    },
    handle: (message) => controller.handle(message),
    relabel: (split, ids, label, confirm) => controller.relabel(split, ids, label, confirm),
    acceptSuggestions: (ids, confirm) => controller.acceptSuggestions(ids, confirm),
    detail: (split, id) => controller.detail(split, id),
    rows: (query, offset, count) => controller.current?.queries.page(query, offset, count),
  });
}

export function deactivate(): void {
  // Kill running analyses: their results would have no one to show them to.
  runner?.dispose();
  runner = undefined;
}

/**
 * Analyses cut off by a window reload (or VS Code closing): the panel comes
 * back by itself with the last good results (WebviewPanelSerializer); the
 * analysis is offered again here.
 */
async function offerInterrupted(
  interrupted: InterruptedJobs,
  notifier: Notifier,
  log: { info(m: string): void },
): Promise<void> {
  for (const datasetPath of await interrupted.takeInterrupted()) {
    log.info(`the analysis of ${datasetPath} was interrupted (the window reloaded or closed)`);
    const picked = await notifier.info(
      `Influence Lens: the analysis of ${path.basename(datasetPath)} was ` +
        `interrupted when the window reloaded. Run it again?`,
      'Re-run',
    );
    if (picked) await vscode.commands.executeCommand(COMMAND.rerun, datasetPath);
  }
}
