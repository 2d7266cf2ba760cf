/**
 * The commands (package.json contributes.commands and menus) and what each
 * one does. Every command checks workspace trust first. Commands return a
 * small plain result, so integration tests (and other extensions) can run
 * them through executeCommand and see what happened.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisOutcome, AnalysisRunner } from './analysis/analysisRunner';
import type { ResultsCache } from './analysis/cache';
import { type ChoiceStore, resolveChoices } from './analysis/choices';
import { isTabularFile, probeDataset } from './analysis/datasetProbe';
import { explainAt, type ExplainResult } from './analysis/explain';
import { ensureExplained } from './analysis/explainMore';
import { analysisHolds, explainTarget } from './analysis/explainTarget';
import { exportAndAnnounce } from './reviews/exportNotice';
import { exportReviews } from './reviews/exportReviews';
import { jobOptionsFor, SettingError } from './analysis/jobOptions';
import { useModelFile, workspaceModels } from './analysis/modelFile';
import type { JobOptions } from '../protocol/compute';
import { SETTINGS_PREFIX } from './analysis/settingsTable';
import { testSetFor } from './analysis/testSet';
import { findTestPartner } from '../compute/data/testPartner';
import type { Log } from './log';
import type { Notifier } from './notifier';
import type { PanelController } from './panel/panelController';
import type { ReviewStore } from './reviews/reviewStore';
import { modelSetting, readSettings } from './analysis/settings';
import { requireTrust } from './trust';

export const COMMAND = {
  analyze: 'influenceLens.analyze',
  analyzeChoose: 'influenceLens.analyzeWithChoices',
  explain: 'influenceLens.explain',
  openLast: 'influenceLens.openLastResults',
  rerun: 'influenceLens.rerun',
  reliability: 'influenceLens.checkReliability',
  removeHarmful: 'influenceLens.removeHarmful',
  exportReviews: 'influenceLens.exportReviews',
  undoRelabel: 'influenceLens.undoRelabel',
  cancel: 'influenceLens.cancel',
  showLog: 'influenceLens.showLog',
  useModelFile: 'influenceLens.useModelFile',
} as const;

export interface CommandDeps {
  state: vscode.Memento;
  runner: AnalysisRunner;
  controller: PanelController;
  cache: ResultsCache;
  choices: ChoiceStore;
  reviews: ReviewStore;
  notifier: Notifier;
  log: Log;
}

/** What a command reports back to executeCommand callers. */
export interface CommandResult {
  kind: AnalysisOutcome['kind'] | 'untrusted' | 'noDataset' | ExplainResult['kind'] | 'done' | 'failed';
  datasetPath?: string;
  resultsPath?: string;
  fromCache?: boolean;
  message?: string;
}

const LAST_DATASET = 'lastDataset';

export interface AnalyzeFlags {
  force?: boolean;
  forceAsk?: boolean;
  verify?: boolean;
  /** The remove-and-retrain check with this k (issue 17). */
  removeHarmful?: number;
  /** Test samples to explain by id besides the first ones (explainMore.ts). */
  explainIds?: number[];
}

/** Choices, options, run (or cache), then the panel. The heart of "Find influential training samples". */
export async function analyzeDataset(
  deps: CommandDeps,
  datasetPath: string,
  flags: AnalyzeFlags = {},
): Promise<AnalysisOutcome> {
  const settings = readSettings(vscode.Uri.file(datasetPath));
  const probe = await probeDataset(datasetPath);
  const partner = await findTestPartner(datasetPath, deps.choices.get(datasetPath).labelColumn);
  const asksModel = flags.forceAsk === true || modelSetting(settings) === 'ask';
  const models = asksModel ? await workspaceModels() : [];
  const choices = await resolveChoices(
    deps.choices,
    datasetPath,
    probe,
    modelSetting(settings),
    flags.forceAsk ?? false,
    partner,
    models,
  );
  if (!choices) return { kind: 'declined', datasetPath };
  // The host names the test file itself: its boundary and stale watcher must cover whatever the engine reads.
  const testSet = testSetFor(datasetPath, choices.test, partner, probe.kind === 'folder');
  let options: JobOptions;
  try {
    options = jobOptionsFor(datasetPath, settings, choices, {
      verify: flags.verify,
      testPath: testSet.testPath,
      removeHarmful: flags.removeHarmful,
      explainIds: flags.explainIds,
    });
  } catch (error) {
    if (!(error instanceof SettingError)) throw error;
    const message = `Influence Lens: ${error.message}`;
    const open = () =>
      vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS_PREFIX}.${error.key}`);
    void deps.notifier.error(message, { title: 'Open setting', run: open });
    return { kind: 'failed', datasetPath, message };
  }
  const outcome = await deps.runner.analyze(options, flags.force ?? false, testSet.description);
  if (outcome.kind === 'results') {
    await deps.state.update(LAST_DATASET, outcome.datasetPath);
    await deps.controller.show({ ...outcome, testPath: options.testPath, inputs: options });
    if (outcome.fromCache) deps.log.info(`showing cached results of ${outcome.datasetPath}`);
  }
  return outcome;
}

function summary(o: AnalysisOutcome): CommandResult {
  switch (o.kind) {
    case 'results':
      return { kind: o.kind, datasetPath: o.datasetPath, resultsPath: o.resultsPath, fromCache: o.fromCache };
    case 'failed':
      return { kind: o.kind, datasetPath: o.datasetPath, message: o.message };
    default:
      return { kind: o.kind, datasetPath: o.datasetPath };
  }
}

/** The dataset a command acts on: the one given, else the active editor's file, else one the user picks. */
async function pickDataset(uri: unknown): Promise<string | undefined> {
  if (uri instanceof vscode.Uri && uri.scheme === 'file') return uri.fsPath;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && isTabularFile(active.fsPath)) return active.fsPath;
  const picked = await vscode.window.showOpenDialog({
    title: 'Find influential training samples',
    openLabel: 'Analyze',
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    filters: { 'Datasets (CSV, TSV, JSONL) or image folders': ['csv', 'tsv', 'jsonl', 'ndjson'] },
  });
  return picked?.[0]?.fsPath;
}

/** The dataset the command palette's re-run/export/open act on: the one on screen, else the last one. */
function currentDataset(deps: CommandDeps): string | undefined {
  return deps.controller.current?.datasetPath ?? deps.state.get<string>(LAST_DATASET);
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { notifier } = deps;
  const trusted =
    <A extends unknown[]>(run: (...args: A) => Promise<CommandResult>) =>
    async (...args: A): Promise<CommandResult> => {
      if (!requireTrust(notifier)) return { kind: 'untrusted' };
      try {
        return await run(...args);
      } catch (error) {
        // A results file that is not this dataset's, a file that vanished: say so, not "command failed".
        const message = (error as Error).message;
        void notifier.error(`Influence Lens: ${message}`);
        return { kind: 'failed', message };
      }
    };
  const noDataset = (): CommandResult => {
    void notifier.info(
      'Influence Lens: no dataset analyzed yet. Right-click a CSV/TSV/JSONL ' +
        'file or an image folder and choose "Find influential training samples".',
    );
    return { kind: 'noDataset' };
  };
  const analyzeCommand = (flags: AnalyzeFlags) =>
    trusted(async (uri?: unknown) => {
      const datasetPath = await pickDataset(uri);
      return datasetPath ? summary(await analyzeDataset(deps, datasetPath, flags)) : { kind: 'noDataset' };
    });
  const rerunCommand = (flags: AnalyzeFlags) =>
    trusted(async (datasetArg?: unknown) => {
      const datasetPath = typeof datasetArg === 'string' ? datasetArg : currentDataset(deps);
      return datasetPath ? summary(await analyzeDataset(deps, datasetPath, { ...flags, force: true })) : noDataset();
    });

  return [
    vscode.commands.registerCommand(COMMAND.analyze, analyzeCommand({})),
    vscode.commands.registerCommand(COMMAND.analyzeChoose, analyzeCommand({ forceAsk: true })),
    vscode.commands.registerCommand(COMMAND.rerun, rerunCommand({})),
    vscode.commands.registerCommand(COMMAND.reliability, rerunCommand({ verify: true })),
    // A re-run on the saved fit that refits without the k most harmful samples (k: the panel's choice, else 1%).
    vscode.commands.registerCommand(COMMAND.removeHarmful, (datasetArg?: unknown, count?: unknown) =>
      rerunCommand({
        removeHarmful: typeof count === 'number' && Number.isInteger(count) && count > 0 ? count : undefined,
      })(datasetArg),
    ),
    vscode.commands.registerCommand(
      COMMAND.explain,
      trusted(async (uri?: unknown) => {
        const editor = vscode.window.activeTextEditor;
        const target = uri instanceof vscode.Uri ? uri : editor?.document.uri;
        if (!target || target.scheme !== 'file') return { kind: 'notFound', message: 'no file to explain' };
        const file = target.fsPath;
        const line =
          editor && editor.document.uri.toString() === target.toString() ? editor.selection.active.line + 1 : undefined;
        // The analysis this file belongs to: on screen, cached, or a new one.
        // (A test file on screen as the test set counts: it must not be analyzed as its own dataset.)
        const shown = deps.controller.current;
        if (!shown || !analysisHolds(shown, file)) {
          const target = await explainTarget(deps.cache, file, (p) => deps.choices.get(p));
          if (target.how === 'run' || !(await deps.controller.showLatest(target.datasetPath))) {
            const outcome = await analyzeDataset(deps, target.datasetPath);
            if (outcome.kind !== 'results') return summary(outcome);
          }
        }
        const result = await explainAt(deps.controller, file, line);
        if (result.kind === 'notFound') void notifier.info(`Influence Lens: ${result.message}`);
        if (result.kind === 'explained' && result.split === 'test') {
          // Not among the test samples cg/lissa/gif explained: explain it now, on the saved fit (one more solve).
          const more = await ensureExplained(
            {
              explained: () => deps.controller.current?.results.influence.explained,
              rerun: async (datasetPath, explainIds) =>
                (await analyzeDataset(deps, datasetPath, { explainIds })).kind === 'results',
            },
            result.datasetPath,
            result.id,
          );
          if (more === 'failed') return { kind: 'failed', datasetPath: result.datasetPath };
          if (more === 'rerun') deps.controller.explain('test', result.id);
        }
        return result;
      }),
    ),
    vscode.commands.registerCommand(
      COMMAND.openLast,
      trusted(async () => {
        const datasetPath = currentDataset(deps);
        if (!datasetPath || !(await deps.controller.showLatest(datasetPath))) return noDataset();
        return { kind: 'done', datasetPath };
      }),
    ),
    vscode.commands.registerCommand(
      COMMAND.exportReviews,
      trusted(async (format?: unknown, target?: unknown) => {
        const datasetPath = currentDataset(deps);
        if (!datasetPath) return noDataset();
        const fmt = format === 'csv' || format === 'json' ? format : undefined;
        const uri = await exportAndAnnounce(
          () => exportReviews(datasetPath, deps.reviews, fmt, target instanceof vscode.Uri ? target : undefined),
          Object.keys(deps.reviews.get(datasetPath)).length,
          notifier,
        );
        return { kind: 'done', datasetPath, resultsPath: uri?.fsPath };
      }),
    ),
    vscode.commands.registerCommand(
      COMMAND.undoRelabel,
      trusted(async () => ((await deps.controller.undoLastRelabel()) ? { kind: 'done' } : { kind: 'declined' })),
    ),
    vscode.commands.registerCommand(COMMAND.cancel, async (datasetArg?: unknown): Promise<CommandResult> => {
      const jobs = deps.runner.running();
      let datasetPath =
        typeof datasetArg === 'string' ? datasetArg : jobs.length === 1 ? jobs[0].datasetPath : undefined;
      if (!datasetPath && jobs.length > 1) {
        const picked = await vscode.window.showQuickPick(
          jobs.map((j) => ({ label: path.basename(j.datasetPath), description: j.stage, detail: j.datasetPath })),
          { title: 'Cancel which analysis?' },
        );
        datasetPath = picked?.detail;
      }
      if (!datasetPath || !deps.runner.cancel(datasetPath)) {
        if (jobs.length === 0) void notifier.info('Influence Lens: no analysis is running.');
        return { kind: 'declined' };
      }
      return { kind: 'done', datasetPath };
    }),
    vscode.commands.registerCommand(COMMAND.showLog, () => deps.log.show()),
    vscode.commands.registerCommand(
      COMMAND.useModelFile,
      trusted(async (uri?: unknown) => {
        if (!(uri instanceof vscode.Uri) || uri.scheme !== 'file' || !/\.onnx$/i.test(uri.fsPath))
          return { kind: 'declined', message: 'no .onnx file given' };
        await useModelFile(uri, notifier);
        return { kind: 'done' };
      }),
    ),
  ];
}
