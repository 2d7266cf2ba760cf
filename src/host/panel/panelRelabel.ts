/**
 * The panel's edits of the user's files: one relabel, each suggestion
 * accepted in bulk (all or nothing), and the undo of the last of them. The
 * edit itself — confirmation, fingerprint check, one WorkspaceEdit, read-back
 * proof — is relabelEdit.ts and undoRelabel.ts; here, which records an action edits and what
 * follows an edit: the undo remembered, moved images followed, the page told.
 */
import type { TrainRecord } from '../../compute/results/schema';
import { type HostToWebview, MAX_IDS, type Split } from '../../protocol/webview';
import type { Log } from '../log';
import type { Notifier } from '../notifier';
import type { Shown } from './panelShown';
import { type RelabelOutcome, relabelSamples } from '../relabel/relabelEdit';
import { undoRelabel } from '../relabel/undoRelabel';
import { where } from './resultsView';
import type { ReviewDecision } from '../reviews/reviews';
import type { ReviewStore } from '../reviews/reviewStore';
import { currentSource, resultsIdentity, withMoves } from '../relabel/sampleMoves';
import { oneAtATime } from '../relabel/oneAtATime';
import { suggestionEdits } from '../relabel/suggestionEdits';
import type { UndoStore } from '../relabel/undoStore';

export interface RelabelDeps {
  notifier: Notifier;
  reviews: ReviewStore;
  log: Log;
  undo: UndoStore;
}

/** What the flow needs of the panel it edits for. */
export interface RelabelPanel {
  /** The results on screen now (another may replace them while an edit waits for its confirmation). */
  shown(): Shown | undefined;
  reviewMap(): Map<number, ReviewDecision>;
  post(message: HostToWebview): void;
  /** Files moved: rows show paths and thumbnails, so the page is sent everything again. */
  moved(shown: Shown): void;
  /** Reviews or the undo changed. */
  changed(): void;
}

export class RelabelFlow {
  constructor(
    private readonly deps: RelabelDeps,
    private readonly panel: RelabelPanel,
  ) {}

  relabel(split: Split, ids: number[], label: string, confirm: boolean): Promise<RelabelOutcome> {
    return oneAtATime(() => this.relabelNow(split, ids, label, confirm));
  }

  /**
   * Each training sample to its own suggested label: one confirmation that
   * lists every change, one WorkspaceEdit, one undo. All or nothing: when any
   * record cannot be edited safely (gone, ambiguous, changed since the
   * analysis), nothing changes, and the page lists the refused rows and why.
   * Rows whose suggestion is their label, and rows relabeled already, are
   * left out (there is nothing to accept).
   */
  acceptSuggestions(ids: number[], confirm: boolean): Promise<RelabelOutcome> {
    return oneAtATime(() => this.acceptSuggestionsNow(ids, confirm));
  }

  /** Reverts the last relabel; false when there is none or the files changed since. */
  undoLast(): Promise<boolean> {
    return oneAtATime(() => this.undoLastNow());
  }

  private async relabelNow(split: Split, ids: number[], label: string, confirm: boolean): Promise<RelabelOutcome> {
    const shown = this.requireShown();
    // Each record where it is now: an image relabeled before sits in another folder.
    const records = ids.flatMap((id) => {
      const r = shown.index.record(split, id);
      return r ? [{ ...r, source: currentSource(shown.moves, r.source) }] : [];
    });
    const outcome = await relabelSamples(
      {
        datasetPath: shown.datasetPath,
        boundary: shown.boundary,
        stale: shown.stale,
        results: shown.results,
        records,
        label,
        confirm,
      },
      this.editDeps(),
    );
    return this.afterRelabel(shown, outcome);
  }

  private async acceptSuggestionsNow(ids: number[], confirm: boolean): Promise<RelabelOutcome> {
    const shown = this.requireShown();
    const { records, left } = suggestionEdits(shown.index.train, shown.moves, ids, this.panel.reviewMap());
    if (records.length === 0) {
      void this.deps.notifier.info(
        `Influence Lens: no suggestion to accept among the ${ids.length} ` +
          `selected sample(s)${left ? ` (${left})` : ''}.`,
      );
      return { applied: 0, problems: [], declined: false };
    }
    const outcome = await relabelSamples(
      {
        datasetPath: shown.datasetPath,
        boundary: shown.boundary,
        stale: shown.stale,
        results: shown.results,
        records,
        label: (r) => (r as TrainRecord).suggestedLabel,
        allOrNothing: true,
        confirm,
        ...(left ? { note: `Left as they are: ${left}.` } : {}),
      },
      this.editDeps(),
    );
    if (outcome.refused?.length && shown === this.panel.shown()) {
      this.panel.post({
        type: 'refused',
        what:
          `Nothing relabeled: ${outcome.refused.length} of the ${records.length} ` +
          `selected records cannot be relabeled safely, and a bulk changes all of ` +
          `them or none. Deselect them, or re-run the analysis.`,
        samples: outcome.refused
          .slice(0, MAX_IDS)
          .map(({ record, reason }) => ({ id: record.id, where: where(record.source), reason })),
      });
    }
    return this.afterRelabel(shown, outcome);
  }

  private async undoLastNow(): Promise<boolean> {
    const undo = this.deps.undo.last();
    if (!undo) {
      void this.deps.notifier.info('Influence Lens: no relabel to undo.');
      return false;
    }
    const ok = await undoRelabel(undo, this.editDeps());
    if (ok) {
      await this.deps.undo.forget();
      const shown = this.panel.shown();
      if (shown?.datasetPath === undo.datasetPath)
        await this.recordMoves(
          shown,
          undo.samples.map((s) => ({ from: s.after.path, to: s.before.path })),
        );
    }
    this.panel.changed();
    return ok;
  }

  private requireShown(): Shown {
    const shown = this.panel.shown();
    if (!shown) throw new Error('no results are open');
    return shown;
  }

  private editDeps() {
    return { notifier: this.deps.notifier, reviews: this.deps.reviews, log: this.deps.log };
  }

  private async afterRelabel(shown: Shown, outcome: RelabelOutcome): Promise<RelabelOutcome> {
    if (outcome.undo) {
      await this.deps.undo.remember(outcome.undo);
      await this.recordMoves(
        shown,
        outcome.undo.samples.map((s) => ({ from: s.before.path, to: s.after.path })),
      );
    }
    this.panel.changed();
    return outcome;
  }

  /** Files moved (an image relabel or its undo): every later "where is it" of these results follows them. */
  private async recordMoves(shown: Shown, steps: { from: string; to: string }[]): Promise<void> {
    if (!steps.some((s) => s.from !== s.to)) return;
    shown.moves = withMoves(shown.moves, steps);
    await this.deps.reviews.setMoves(
      shown.datasetPath,
      resultsIdentity(shown.resultsPath, shown.results.createdAt),
      shown.moves,
    );
    if (shown === this.panel.shown()) this.panel.moved(shown);
  }
}
