/**
 * The suspects list's actions on the selection: how many are selected (and
 * the cap of one request), select all within the filter, accept each
 * suggestion, relabel, review, deselect, and undo the last relabel — with
 * why a disabled button is disabled.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { html, nothing } from 'lit';
import { MAX_IDS } from '../../src/protocol/webview';
import type { PanelStore } from '../store';

export interface SelectionActions {
  /** Opens the label picker for the selection. */
  relabel(): void;
  review(state: 'confirmed' | 'notIssue' | null): void;
}

/** `total`: how many rows the filter shows (undefined until the host answered). */
export function selectionBar(store: PanelStore, total: number | undefined, actions: SelectionActions) {
  const selected = store.selected.size;
  return html`<div class="toolbar bulk" aria-label="Actions on the selection">
    <span data-role="selected"
      >${selected.toLocaleString('en-US')}
      selected${
        store.selectionFull
          ? html` <span class="wrong" role="status"
              >(at most ${MAX_IDS.toLocaleString('en-US')} at once: act on these first)</span
            >`
          : nothing
      }</span
    >
    <vscode-button
      secondary
      data-role="select-all"
      ?disabled=${!total}
      title="Select every sample the filter shows (Ctrl+A); shift-click or shift+↑/↓ selects a range"
      @click=${() => store.selectAll()}
      >Select all${total ? ` ${total.toLocaleString('en-US')}` : ''}</vscode-button
    >
    <vscode-button
      data-role="accept"
      ?disabled=${!selected}
      title="Each selected sample to its own suggested label, as one edit with one undo (a)"
      @click=${() => store.acceptSuggestions([...store.selected])}
      >Accept suggestions</vscode-button
    >
    <vscode-button secondary ?disabled=${!selected} @click=${() => actions.relabel()}>Relabel…</vscode-button>
    <vscode-button secondary ?disabled=${!selected} @click=${() => actions.review('confirmed')}
      >Confirmed</vscode-button
    >
    <vscode-button secondary ?disabled=${!selected} @click=${() => actions.review('notIssue')}
      >Not an issue</vscode-button
    >
    <vscode-button secondary ?disabled=${!selected} @click=${() => actions.review(null)}>Clear review</vscode-button>
    <vscode-button secondary ?disabled=${!selected} @click=${() => store.clearSelection()}>Deselect</vscode-button>
    <vscode-button
      secondary
      data-role="undo"
      ?disabled=${!store.undoAvailable}
      title=${store.undoAvailable ? `Undo: ${store.undo ?? 'the last relabel'}` : 'Nothing to undo: no relabel made from this panel is waiting to be undone'}
      @click=${() => store.post({ type: 'undoRelabel' })}
      >Undo last relabel</vscode-button
    >
  </div>`;
}
