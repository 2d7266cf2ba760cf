/**
 * The host side of the results panel: holds the results on screen, answers
 * the page's requests (open, reveal, relabel, review, explain, re-run,
 * export) by doing them here — the page only asks — and keeps the page in
 * step with progress, staleness and review changes.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { ResultsFile } from '../../compute/results/schema';
import {
  checkPanelState,
  type DetailView,
  type ExplanationView,
  type HostToWebview,
  type Split,
  type WebviewToHost,
} from '../../protocol/webview';
import type { RunningInfo } from '../analysis/analysisRunner';
import type { ResultsCache } from '../analysis/cache';
import { type AnalysisInputs, fingerprintAnalysis } from '../analysis/fingerprint';
import type { Log } from '../log';
import type { Notifier } from '../notifier';
import { openSample, revealSample } from './openSample';
import { ResultsPanel } from './panel';
import { DatasetBoundary } from '../datasetBoundary';
import { relocateRecords, relocationNote, type Relocations } from '../relabel/relocations';
import type { RelabelOutcome } from '../relabel/relabelEdit';
import { RelabelFlow } from './panelRelabel';
import { readResults } from '../analysis/resultsFile';
import { buildExplanation, buildResultsView, ResultsIndex, type RowDecor } from './resultsView';
import { detailOf } from './panelDetail';
import { sampleLocation, type Shown } from './panelShown';
import { buildIssuesView } from './issuesView';
import { RowQueries } from './rowQuery';
import { decisionsFor } from '../reviews/reviews';
import type { ReviewStore } from '../reviews/reviewStore';
import { currentSource, resultsIdentity } from '../relabel/sampleMoves';
import { StaleWatcher } from './staleWatcher';
import { requireTrust } from '../trust';
import { describeUndo, type UndoStore } from '../relabel/undoStore';

/** The page's requests that edit the user's files or start an analysis: refused in an untrusted workspace. */
const WRITES_OR_RUNS = new Set<WebviewToHost['type']>([
  'relabel',
  'acceptSuggestions',
  'undoRelabel',
  'rerun',
  'checkReliability',
  'removeHarmful',
  'exportReviews',
]);

export interface ControllerDeps {
  extensionUri: vscode.Uri;
  cache: ResultsCache;
  reviews: ReviewStore;
  notifier: Notifier;
  log: Log;
  onRunning: vscode.Event<RunningInfo[]>;
  rerun(datasetPath: string): Thenable<unknown>;
  checkReliability(datasetPath: string): Thenable<unknown>;
  /** Re-run with the remove-and-retrain check removing `count` samples (issue 17). */
  removeHarmful?(datasetPath: string, count: number): Thenable<unknown>;
  exportReviews(datasetPath: string, format: 'csv' | 'json'): Thenable<unknown>;
  /** Where the last relabel's undo is kept (the workspace state: it survives a window reload). */
  undo: UndoStore;
}

export class PanelController implements vscode.Disposable {
  private shown: Shown | undefined;
  private panel: ResultsPanel | undefined;
  private explanation: ExplanationView | undefined;
  private readonly watcher = new StaleWatcher();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly relabels: RelabelFlow;

  constructor(private readonly deps: ControllerDeps) {
    this.subscriptions.push(deps.onRunning((jobs) => this.onRunning(jobs)));
    this.relabels = new RelabelFlow(deps, {
      shown: () => this.shown,
      reviewMap: () => this.reviewMap(),
      post: (message) => void this.post(message),
      moved: (shown) => this.moved(shown),
      changed: () => {
        this.sendReviews();
        this.sendUndo();
      },
    });
  }

  get current(): Shown | undefined {
    return this.shown;
  }

  /** Shows results (creating or revealing the panel) and watches their dataset for changes. */
  async show(
    r: {
      datasetPath: string;
      resultsPath: string;
      results: ResultsFile;
      fingerprint: string;
      stale: boolean;
      testPath?: string;
      /** What the analysis read besides the dataset (side files count for staleness); default: the test file alone. */
      inputs?: AnalysisInputs;
    },
    focus?: { split: Split; id: number },
  ): Promise<void> {
    const boundary = new DatasetBoundary(r.datasetPath, r.testPath);
    if (!boundary.matches(r.results.dataset.root)) {
      // A results file names its own root; it must be the one this dataset has, or its paths mean something else.
      throw new Error(
        `the results in ${r.resultsPath} were made for ` +
          `${r.results.dataset.root}, not for ${r.datasetPath}; re-run the analysis`,
      );
    }
    const index = new ResultsIndex(r.results);
    this.panel = ResultsPanel.createOrShow(this.deps.extensionUri, this.title(r.datasetPath), this.handlers());
    this.panel.title = this.title(r.datasetPath);
    this.panel.allowDatasetFolders(boundary.folders.map((f) => vscode.Uri.file(f)));
    // Moves made on these very results survive a window reload, like the reviews that follow them.
    const moves = this.deps.reviews.moves(r.datasetPath, resultsIdentity(r.resultsPath, r.results.createdAt));
    const reviews = decisionsFor(this.deps.reviews.get(r.datasetPath), r.results.train, (s) => currentSource(moves, s));
    const shown: Shown = {
      ...r,
      boundary,
      relocations: new Map(),
      moves,
      index,
      queries: new RowQueries(index, reviews, {}),
    };
    if (r.stale) shown.relocations = await this.relocate(shown);
    shown.queries = new RowQueries(index, reviews, this.decor(shown));
    this.shown = shown;
    this.explanation = focus ? buildExplanation(index, focus.split, focus.id, reviews, this.decor(shown)) : undefined;
    this.sendAll();
    await this.watcher.watch(
      r.datasetPath,
      r.inputs ?? { testPath: r.testPath },
      r.fingerprint,
      r.stale,
      (stale) => void this.setStale(stale),
    );
  }

  /** Shows the most recent cached results of a dataset, marked stale when the data changed since. */
  async showLatest(datasetPath: string): Promise<boolean> {
    const latest = await this.deps.cache.latest(datasetPath);
    if (!latest) return false;
    const results = await readResults(latest.resultsPath);
    const now = await fingerprintAnalysis(datasetPath, latest.entry.options).catch(() => '');
    const { fingerprint, options } = latest.entry;
    await this.show({
      datasetPath,
      resultsPath: latest.resultsPath,
      results,
      fingerprint,
      stale: now !== fingerprint,
      testPath: options.testPath,
      inputs: options,
    });
    return true;
  }

  /** WebviewPanelSerializer: a panel VS Code restored after a reload. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    this.panel = ResultsPanel.revive(panel, this.deps.extensionUri, this.handlers());
    let datasetPath: string | undefined;
    try {
      datasetPath = checkPanelState(state, 'state').datasetPath;
    } catch {
      datasetPath = undefined;
    }
    if (!datasetPath || !(await this.showLatest(datasetPath).catch(() => false))) {
      void this.panel.post({
        type: 'empty',
        message: 'No results to show. Right-click a dataset and choose "Find influential training samples".',
      });
    }
  }

  /** Focuses the panel on one sample's explanation. */
  explain(split: Split, id: number): boolean {
    if (!this.shown) return false;
    this.explanation = buildExplanation(this.shown.index, split, id, this.reviewMap(), this.decor(this.shown));
    if (!this.explanation) return false;
    void this.post({ type: 'explanation', view: this.explanation });
    this.panel?.revealIfHidden();
    return true;
  }

  /**
   * The dataset's staleness, told on every change of its files: while stale,
   * the rows say where their records are now (found again on each change).
   */
  async setStale(stale: boolean): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    const changed = shown.stale !== stale;
    // Found again before the flag turns: a request that sees "stale" must also see where the records are now.
    const relocations = stale ? await this.relocate(shown) : new Map();
    if (shown !== this.shown) return;
    shown.relocations = relocations;
    shown.stale = stale;
    shown.queries = new RowQueries(shown.index, this.reviewMap(), this.decor(shown));
    void this.post({ type: 'stale', stale });
    if (changed && stale) {
      const datasetPath = this.shown.datasetPath;
      void this.deps.notifier
        .info(
          `Influence Lens: ${path.basename(datasetPath)} changed since its analysis; the results are stale.`,
          'Re-run',
        )
        .then((picked) => {
          if (picked) void this.deps.rerun(datasetPath);
        });
    }
  }

  /** The page's requests, checked by the panel already; also the test API's entry point. */
  async handle(message: WebviewToHost): Promise<void> {
    const shown = this.shown;
    if (message.type === 'ready') return this.sendAll();
    if (!shown) return;
    const location = (split: Split, id: number) => {
      const record = shown.index.record(split, id);
      if (!record) throw new Error(`no ${split} sample ${id} in these results`);
      return sampleLocation(shown, record.source);
    };
    // A panel restored from the cache in Restricted Mode may show results, but must not write files or start a process.
    if (WRITES_OR_RUNS.has(message.type) && !requireTrust(this.deps.notifier)) return;
    try {
      switch (message.type) {
        case 'queryRows': {
          const page = shown.queries.page(message.query, message.offset, message.count);
          void this.post({ type: 'rows', requestId: message.requestId, ...page });
          return;
        }
        case 'openSample':
          await openSample(location(message.split, message.id), this.panel?.sampleColumn());
          this.panel?.rememberSampleColumn();
          return;
        case 'revealSample':
          await revealSample(location(message.split, message.id));
          return;
        case 'explain':
          this.explain(message.split, message.id);
          return;
        case 'relabel':
          await this.relabel(message.split, message.ids, message.label, true);
          return;
        case 'acceptSuggestions':
          await this.acceptSuggestions(message.ids, true);
          return;
        case 'queryIds': {
          const ids = shown.queries.ids(message.query);
          void this.post({
            type: 'ids',
            requestId: message.requestId,
            total: ids.length,
            offset: message.offset,
            ids: ids.slice(message.offset, message.offset + message.count),
          });
          return;
        }
        case 'detail': {
          const view = await this.detail(message.split, message.id);
          if (view) void this.post({ type: 'detail', view });
          return;
        }
        case 'setReview': {
          const samples = message.ids.flatMap((id) => {
            const t = shown.index.train.get(id);
            return t ? [{ source: currentSource(shown.moves, t.source), label: t.label }] : [];
          });
          await this.deps.reviews.set(shown.datasetPath, samples, message.state);
          this.sendReviews();
          return;
        }
        case 'undoRelabel':
          await this.undoLastRelabel();
          return;
        case 'rerun':
          await this.deps.rerun(shown.datasetPath);
          return;
        case 'checkReliability':
          await this.deps.checkReliability(shown.datasetPath);
          return;
        case 'exportReviews':
          await this.deps.exportReviews(shown.datasetPath, message.format);
          return;
        case 'removeHarmful':
          await this.deps.removeHarmful?.(shown.datasetPath, message.count);
          return;
        case 'openSamples':
          // Side by side: each in its own editor column, as far as VS Code has columns.
          for (const s of message.samples) await openSample(location(s.split, s.id));
          return;
      }
    } catch (error) {
      void this.deps.notifier.error(`Influence Lens: ${(error as Error).message}`);
    }
  }

  relabel(split: Split, ids: number[], label: string, confirm: boolean): Promise<RelabelOutcome> {
    return this.relabels.relabel(split, ids, label, confirm);
  }

  acceptSuggestions(ids: number[], confirm: boolean): Promise<RelabelOutcome> {
    return this.relabels.acceptSuggestions(ids, confirm);
  }

  undoLastRelabel(): Promise<boolean> {
    return this.relabels.undoLast();
  }

  /** The panel's detail pane for one sample: the record read from its file as it is now. */
  async detail(split: Split, id: number): Promise<DetailView | undefined> {
    const shown = this.shown;
    return shown ? detailOf(shown, split, id, this.reviewMap(), this.decor(shown)) : undefined;
  }

  /** Files moved under these results: rows and the explanation show paths and thumbnails, so all is sent again. */
  private moved(shown: Shown): void {
    if (this.explanation)
      this.explanation = buildExplanation(
        shown.index,
        this.explanation.sample.split,
        this.explanation.sample.id,
        this.reviewMap(),
        this.decor(shown),
      );
    this.sendAll();
  }

  /** Tells the page whether "Undo last relabel" has anything to undo. */
  private sendUndo(): void {
    const undo = this.deps.undo.last();
    void this.post(
      undo ? { type: 'undo', available: true, what: describeUndo(undo) } : { type: 'undo', available: false },
    );
  }

  private reviewMap() {
    const shown = this.shown;
    return shown
      ? decisionsFor(this.deps.reviews.get(shown.datasetPath), shown.results.train, (s) =>
          currentSource(shown.moves, s),
        )
      : new Map();
  }

  private title(datasetPath: string): string {
    return `Influence: ${path.basename(datasetPath)}`;
  }

  /** Finds the records of stale results again in their files (text formats; images keep their paths). */
  private relocate(shown: Shown): Promise<Relocations> {
    return relocateRecords(shown.results, shown.boundary, false).catch((error: Error) => {
      this.deps.log.warn(`could not find the records of ${shown.datasetPath} again: ${error.message}`);
      return new Map();
    });
  }

  /** Image samples show as themselves, loaded from the dataset folder by the page; moved records say where they are. */
  private decor(shown: Shown): RowDecor {
    const panel = this.panel;
    return {
      // Read at each row, so a move shows at the next query.
      current: (source) => currentSource(shown.moves, source),
      thumbnail:
        panel && shown.results.dataset.format === 'imagefolder'
          ? (source) => {
              try {
                // Only files inside the dataset (the page could not load others anyway: they are outside its resource
                // roots).
                return panel.webviewUri(vscode.Uri.file(shown.boundary.resolve(source.path)));
              } catch {
                return undefined;
              }
            }
          : undefined,
      relocated: (source) => relocationNote(shown.relocations, source),
    };
  }

  private sendAll(): void {
    if (!this.shown) return;
    const issues = buildIssuesView(this.shown.index, this.reviewMap(), this.decor(this.shown));
    void this.post({
      type: 'results',
      view: { ...buildResultsView(this.shown.results, this.shown.datasetPath, this.shown.stale), ...issues },
    });
    this.sendReviews();
    this.sendUndo();
    if (this.explanation) void this.post({ type: 'explanation', view: this.explanation });
  }

  private sendReviews(): void {
    const reviews = this.reviewMap();
    this.shown?.queries.setReviews(reviews);
    const states = [...reviews].map(([id, d]) => ({ id, state: d.state }));
    void this.post({ type: 'reviews', states });
  }

  private onRunning(jobs: RunningInfo[]): void {
    if (!this.shown) return;
    const job = jobs.find((j) => j.datasetPath === this.shown!.datasetPath);
    void this.post(
      job
        ? { type: 'progress', running: true, stage: job.stage, done: job.done, total: job.total, message: job.message }
        : { type: 'progress', running: false },
    );
  }

  private post(message: HostToWebview): Thenable<boolean> {
    return this.panel ? this.panel.post(message) : Promise.resolve(false);
  }

  private handlers() {
    return {
      onMessage: (m: WebviewToHost) => this.handle(m),
      onInvalidMessage: (error: Error) =>
        this.deps.log.warn(`ignored an invalid message from the results panel: ${error.message}`),
      onDispose: () => {
        this.panel = undefined;
        this.shown = undefined;
        this.watcher.stop();
      },
    };
  }

  dispose(): void {
    this.watcher.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
