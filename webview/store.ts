/**
 * The panel's state, owned in one place: the results on screen, review
 * decisions, the explanation, progress, the two lists (as RowSources), and
 * where the user is (tab, filters, focused rows), which is saved through the
 * host context so hiding the panel or reloading the window keeps it.
 * Components read it and call its methods; the app re-renders them (a new
 * `rev`) when it changes.
 */
import {
  MAX_IDS,
  type DetailView,
  type ExplanationView,
  type HostToWebview,
  type ListName,
  type PanelState,
  type ResultsView,
  type ReviewState,
  type RowQuery,
  type Split,
  type Tab,
  type WebviewToHost,
} from '../src/protocol/webview';
import type { HostContext } from './hostContext';
import { RowSource } from './rowSource';

type Progress = Extract<HostToWebview, { type: 'progress' }>;

const DEFAULT_QUERIES: Record<ListName, RowQuery> = {
  suspects: { list: 'suspects', sort: 'suspicion' },
  tests: { list: 'tests', sort: 'misclassifiedFirst' },
};

export class PanelStore {
  view: ResultsView | undefined;
  explanation: ExplanationView | undefined;
  progress: Progress | undefined;
  empty: string | undefined;
  /** A message from the host the page could not show (it failed the protocol check), in words for the panel. */
  problem: string | undefined;
  /** What "Undo last relabel" would undo; undefined: nothing (the button is disabled and says why). */
  undo: string | undefined;
  undoAvailable = false;
  reviews = new Map<number, ReviewState>();
  tab: Tab = 'overview';
  /** Focused row per list. */
  active: Record<ListName, number> = { suspects: 0, tests: 0 };
  /** Selected training ids (bulk actions). */
  selected = new Set<number>();
  /** The last selection attempt was refused: MAX_IDS are selected already. */
  selectionFull = false;
  /** Where a range selection starts (the suspects' row last clicked or toggled); a new anchor starts a new range. */
  get anchor(): number | undefined {
    return this.anchorIndex;
  }
  set anchor(index: number | undefined) {
    if (index !== this.anchorIndex) this.lastRange = undefined;
    this.anchorIndex = index;
  }
  private anchorIndex: number | undefined;
  /** The records that stopped the last bulk, and why (shown until dismissed or deselected). */
  refused: Extract<HostToWebview, { type: 'refused' }> | undefined;
  /** The detail pane: shown or not, and what it shows (the focused row's sample once the host answers). */
  showDetail = false;
  detail: DetailView | undefined;
  /** Image datasets: the suspects as a grid of thumbnails instead of rows. */
  gallery = false;
  private detailWanted: string | undefined;
  /**
   * Pending `queryIds` requests: their ids are added to the selection (a range's replace the previous range from the
   * same anchor).
   */
  private idRequests = new Map<number, 'range' | 'all'>();
  /**
   * Ids the last range added, and from which anchor: shift+k after shift+j shrinks the range instead of keeping both.
   */
  private lastRange: { anchor: number; ids: number[] } | undefined;
  readonly lists: Record<ListName, RowSource>;

  private readonly listeners = new Set<() => void>();
  private readonly requests = new Map<number, RowSource>();
  private requestCounter = 0;

  constructor(readonly host: HostContext) {
    const saved = host.loadState();
    const nextId = () => ++this.requestCounter;
    const send = (m: WebviewToHost) => host.post(m);
    this.lists = {
      suspects: new RowSource(saved?.suspectQuery ?? DEFAULT_QUERIES.suspects, send, nextId, this.requests),
      tests: new RowSource(saved?.testQuery ?? DEFAULT_QUERIES.tests, send, nextId, this.requests),
    };
    if (saved?.tab) this.tab = saved.tab;
    // Open by default where there is room beside the list (restored as the user left it).
    const width = (globalThis as { innerWidth?: number }).innerWidth;
    this.showDetail = saved?.detail ?? (width !== undefined && width >= 900);
    this.gallery = saved?.gallery ?? false;
    this.active = { suspects: saved?.suspectIndex ?? 0, tests: saved?.testIndex ?? 0 };
    this.restoreExplained = saved?.explained;
    host.onMessage(
      (m) => this.receive(m),
      (type, why) => this.rejected(type, why),
    );
  }

  /** The sample the Influencers tab showed before a reload, asked for again once its results are back. */
  private restoreExplained: PanelState['explained'];

  private rejected(type: string | undefined, why: string): void {
    const what =
      type === 'results'
        ? 'these results'
        : type === 'explanation'
          ? 'this explanation'
          : type === 'rows'
            ? 'these rows'
            : `a ${type ?? 'malformed'} message`;
    this.problem =
      `The panel cannot show ${what}: the message breaks a limit or the shape ` +
      `it expects (${why}). Please report this with the dataset's size and ` +
      `number of classes.`;
    this.changed();
  }

  /** Tells the host the page listens. */
  start(): void {
    this.host.post({ type: 'ready' });
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  post(message: WebviewToHost): void {
    this.host.post(message);
  }

  setTab(tab: Tab): void {
    this.tab = tab;
    if (tab === 'suspects' || tab === 'tests') this.wantDetail(tab);
    this.changed();
  }

  /** A new filter or order for a list: its rows are asked for again, from the top. */
  setQuery(list: ListName, query: Omit<RowQuery, 'list'>): void {
    this.lists[list].reset({ ...query, list });
    this.active[list] = 0;
    if (list === 'suspects') {
      this.selected.clear();
      this.anchor = undefined;
    }
    this.changed();
  }

  setActive(list: ListName, index: number): void {
    const total = this.lists[list].total ?? 0;
    this.active[list] = Math.max(0, Math.min(index, total - 1));
    this.wantDetail(list);
    this.changed();
  }

  /** Shows or hides the detail pane (it follows the focused row). */
  toggleDetail(on = !this.showDetail): void {
    this.showDetail = on;
    if (on) this.wantDetail(this.tab === 'tests' ? 'tests' : 'suspects');
    this.changed();
  }

  /** Asks the host for the focused row's detail, once per sample. */
  wantDetail(list: ListName): void {
    if (!this.showDetail) return;
    const row = this.lists[list].row(this.active[list]);
    if (!row) return;
    const key = `${row.split}:${row.id}`;
    if (key === this.detailWanted) return;
    this.detailWanted = key;
    this.host.post({ type: 'detail', split: row.split, id: row.id });
  }

  setGallery(on: boolean): void {
    this.gallery = on;
    this.changed();
  }

  /**
   * Selects rows [from, to] of the suspects as the list orders them now
   * (shift-click, shift+arrows): the host answers with their ids, so rows
   * not yet loaded count too. The anchor stays where the range started.
   */
  selectRange(from: number, to: number): void {
    const first = Math.max(0, Math.min(from, to));
    const last = Math.max(from, to);
    if (this.lastRange?.anchor === from) for (const id of this.lastRange.ids) this.selected.delete(id);
    this.lastRange = { anchor: from, ids: [] };
    this.requestIds(first, Math.min(last - first + 1, MAX_IDS), 'range');
  }

  /** Selects every suspect the current filter shows (up to MAX_IDS). */
  selectAll(): void {
    const total = this.lists.suspects.total;
    if (!total) return;
    this.lastRange = undefined;
    this.requestIds(0, Math.min(total, MAX_IDS), 'all');
    if (total > MAX_IDS) this.selectionFull = true;
  }

  private requestIds(offset: number, count: number, kind: 'range' | 'all'): void {
    if (count < 1) return;
    const requestId = ++this.requestCounter;
    this.idRequests.set(requestId, kind);
    this.host.post({ type: 'queryIds', requestId, query: this.lists.suspects.query, offset, count });
  }

  /** Each selected (or the given) training sample to its own suggested label: one request, one edit, one undo. */
  acceptSuggestions(ids: number[]): void {
    if (ids.length === 0) return;
    this.refused = undefined;
    this.host.post({ type: 'acceptSuggestions', ids });
    this.changed();
  }

  /** Takes the records that stopped a bulk out of the selection. */
  deselectRefused(): void {
    for (const r of this.refused?.samples ?? []) this.selected.delete(r.id);
    this.refused = undefined;
    this.selectionFull = false;
    this.changed();
  }

  dismissRefused(): void {
    this.refused = undefined;
    this.changed();
  }

  /**
   * Selects or deselects a training sample. A selection stops at the wire's
   * MAX_IDS (one request's ids): a bigger one would build a relabel or
   * review message the host's check refuses, so the page refuses it first.
   */
  toggleSelected(id: number, on = !this.selected.has(id)): void {
    if (on && !this.selected.has(id) && this.selected.size >= MAX_IDS) {
      this.selectionFull = true;
      this.changed();
      return;
    }
    this.selectionFull = false;
    if (on) this.selected.add(id);
    else this.selected.delete(id);
    this.changed();
  }

  clearSelection(): void {
    this.selectionFull = false;
    this.selected.clear();
    this.anchor = undefined;
    this.changed();
  }

  /** Explains a sample and shows the Influencers tab. */
  explain(split: Split, id: number): void {
    this.host.post({ type: 'explain', split, id });
    this.setTab('influencers');
  }

  private receive(m: HostToWebview): void {
    switch (m.type) {
      case 'results': {
        const sameDataset = this.view?.datasetPath === m.view.datasetPath;
        const restoring = this.view === undefined && this.host.loadState()?.datasetPath === m.view.datasetPath;
        this.view = m.view;
        this.empty = undefined;
        // New results reorder everything; keep filters (and, on a restore, the place) only for the same dataset.
        for (const list of ['suspects', 'tests'] as const) {
          const keep = sameDataset || restoring;
          this.lists[list].reset(keep ? this.lists[list].query : DEFAULT_QUERIES[list]);
          if (!keep) this.active[list] = 0;
        }
        if (!sameDataset) this.selected.clear();
        // Rows may show new paths or tags: the detail pane asks again for the focused row.
        this.detailWanted = undefined;
        this.detail = undefined;
        if (!sameDataset && !restoring) this.tab = 'overview';
        this.problem = undefined;
        // After a reload the Influencers tab comes back with the sample it showed, not empty.
        const explained = this.restoreExplained;
        this.restoreExplained = undefined;
        if (restoring && explained && !this.explanation)
          this.host.post({ type: 'explain', split: explained.split, id: explained.id });
        break;
      }
      case 'rows': {
        const source = this.requests.get(m.requestId);
        this.requests.delete(m.requestId);
        if (!source?.receive(m)) return;
        // The focused row arrived: the detail pane can ask for it.
        for (const list of ['suspects', 'tests'] as const)
          if (source === this.lists[list] && this.tab === list) this.wantDetail(list);
        break;
      }
      case 'ids': {
        const kind = this.idRequests.get(m.requestId);
        if (!kind) return;
        this.idRequests.delete(m.requestId);
        const added: number[] = [];
        for (const id of m.ids) {
          if (this.selected.has(id)) continue;
          if (this.selected.size >= MAX_IDS) {
            this.selectionFull = true;
            break;
          }
          this.selected.add(id);
          added.push(id);
        }
        if (kind === 'range' && this.lastRange) this.lastRange.ids.push(...added);
        break;
      }
      case 'detail':
        // Only the answer for the row focused now (an older answer may arrive after a quick j j j).
        if (`${m.view.sample.split}:${m.view.sample.id}` !== this.detailWanted) return;
        this.detail = m.view;
        break;
      case 'refused':
        this.refused = m;
        break;
      case 'explanation':
        this.explanation = m.view;
        this.tab = 'influencers';
        break;
      case 'stale':
        if (this.view) this.view = { ...this.view, stale: m.stale };
        // Rows of stale results say where their record is now: ask for them again.
        for (const list of ['suspects', 'tests'] as const) this.lists[list].reset();
        this.detailWanted = undefined;
        break;
      case 'progress':
        this.progress = m.running ? m : undefined;
        break;
      case 'reviews': {
        this.reviews = new Map(m.states.map((s) => [s.id, s.state]));
        const suspects = this.lists.suspects;
        // A list filtered by review state changes membership: ask again. Otherwise update rows in place.
        if (suspects.query.review && suspects.query.review !== 'all') suspects.reset();
        else suspects.applyReviews(this.reviews);
        if (this.explanation) this.explanation = withReviews(this.explanation, this.reviews);
        // The detail pane shows the review tag (and, after a relabel, where the record is): ask again.
        this.detailWanted = undefined;
        if (this.tab === 'suspects' || this.tab === 'tests') this.wantDetail(this.tab);
        break;
      }
      case 'undo':
        this.undoAvailable = m.available;
        this.undo = m.what;
        break;
      case 'empty':
        this.view = undefined;
        this.empty = m.message;
        break;
    }
    this.changed();
  }

  private changed(): void {
    if (this.view) this.host.saveState(this.snapshot(this.view.datasetPath));
    for (const l of this.listeners) l();
  }

  private snapshot(datasetPath: string): PanelState {
    return {
      datasetPath,
      tab: this.tab,
      suspectQuery: this.lists.suspects.query,
      testQuery: this.lists.tests.query,
      suspectIndex: this.active.suspects,
      testIndex: this.active.tests,
      detail: this.showDetail,
      ...(this.gallery ? { gallery: true } : {}),
      ...(this.explanation
        ? { explained: { split: this.explanation.sample.split, id: this.explanation.sample.id } }
        : this.restoreExplained
          ? { explained: this.restoreExplained }
          : {}),
    };
  }
}

function withReviews(e: ExplanationView, reviews: Map<number, ReviewState>): ExplanationView {
  const mark = <T extends { sample: { split: Split; id: number; review?: ReviewState } }>(r: T): T => {
    if (r.sample.split !== 'train') return r;
    const review = reviews.get(r.sample.id);
    const sample = { ...r.sample };
    if (review) sample.review = review;
    else delete sample.review;
    return { ...r, sample };
  };
  return {
    ...e,
    sample: mark({ sample: e.sample }).sample,
    proponents: e.proponents.map(mark),
    opponents: e.opponents.map(mark),
  };
}
