/**
 * What activate() returns: a small API for other extensions and for the
 * integration tests, which run inside the extension host and need to observe
 * what a user cannot script (the subprocess's pid, the messages shown) and to
 * act without a modal dialog (relabel with confirm: false).
 */
import type * as vscode from 'vscode';
import type { ResultsFile } from '../compute/results/schema';
import { type DetailView, parseWebviewToHost, type RowQuery, type Split } from '../protocol/webview';
import type { RunningInfo } from './analysis/analysisRunner';
import type { ShownMessage } from './notifier';
import type { RelabelOutcome } from './relabel/relabelEdit';
import type { RowPage } from './panel/rowQuery';

export interface InfluenceLensApi {
  /** Where cached results live (the extension's workspace storage). */
  readonly cacheDir: string;
  /** Analyses running now, with their subprocess pid and stage. */
  running(): RunningInfo[];
  readonly onDidChangeRunning: vscode.Event<RunningInfo[]>;
  /** Notifications shown to the user, oldest first (the last 50). */
  messages(): ShownMessage[];
  /** The results on screen. */
  current(): { datasetPath: string; resultsPath: string; stale: boolean; results: ResultsFile } | undefined;
  /** Delivers a message as if the results page had posted it (checked the same way). */
  postFromWebview(message: unknown): Promise<void>;
  /** Relabels samples of the results on screen; `confirm: false` skips the modal question. */
  relabel(split: Split, ids: number[], label: string, options?: { confirm?: boolean }): Promise<RelabelOutcome>;
  /** The rows the page would get for a query now (what each row shows: its path, thumbnail, review tag). */
  rows(query: RowQuery, offset: number, count: number): RowPage | undefined;
  /** Each training sample to its own suggested label, all or nothing; `confirm: false` skips the modal question. */
  acceptSuggestions(ids: number[], options?: { confirm?: boolean }): Promise<RelabelOutcome>;
  /** What the detail pane shows for a sample. */
  detail(split: Split, id: number): Promise<DetailView | undefined>;
}

export interface ApiDeps {
  cacheDir: string;
  running(): RunningInfo[];
  onDidChangeRunning: vscode.Event<RunningInfo[]>;
  messages(): ShownMessage[];
  current(): { datasetPath: string; resultsPath: string; stale: boolean; results: ResultsFile } | undefined;
  handle(message: ReturnType<typeof parseWebviewToHost>): Promise<void>;
  relabel(split: Split, ids: number[], label: string, confirm: boolean): Promise<RelabelOutcome>;
  rows(query: RowQuery, offset: number, count: number): RowPage | undefined;
  acceptSuggestions(ids: number[], confirm: boolean): Promise<RelabelOutcome>;
  detail(split: Split, id: number): Promise<DetailView | undefined>;
}

export function createApi(deps: ApiDeps): InfluenceLensApi {
  return {
    cacheDir: deps.cacheDir,
    running: deps.running,
    onDidChangeRunning: deps.onDidChangeRunning,
    messages: deps.messages,
    current: deps.current,
    postFromWebview: async (message) => deps.handle(parseWebviewToHost(message)),
    relabel: (split, ids, label, options) => deps.relabel(split, ids, label, options?.confirm ?? true),
    rows: deps.rows,
    acceptSuggestions: (ids, options) => deps.acceptSuggestions(ids, options?.confirm ?? true),
    detail: deps.detail,
  };
}
