/**
 * A virtualized list of samples (100,000 rows scroll smoothly: only the rows
 * in view exist in the DOM, and only their pages are asked of the host). It
 * owns the focused row and moving it (j/k, arrows, Home/End, PageUp/Down);
 * every other key goes to its parent as an `il-row-key` event with the row.
 * In a `selectable` list it also owns range selection: shift-click and
 * shift with a move key select from the anchor to the row, Ctrl/Cmd+A
 * selects every row the filter shows. As a `gallery` it lays the rows out
 * as a grid of tiles (image datasets), with ←/→ and ↑/↓ moving by tile and
 * by line of tiles.
 *
 * @tag il-sample-list
 * @fires il-row-key - {key, row, index}: a key pressed on the focused row.
 */
// The package's main module defines <lit-virtualizer>.
import type { LitVirtualizer } from '@lit-labs/virtualizer';
import '@lit-labs/virtualizer';
import { flow } from '@lit-labs/virtualizer/layouts/flow.js';
import { grid } from '@lit-labs/virtualizer/layouts/grid.js';
import { css, html, LitElement, type TemplateResult } from 'lit';
import type { ListName, SampleRow } from '../../src/protocol/webview';
import type { PanelStore } from '../store';
import { reviewText } from './cells';
import { rowStyles, sharedStyles } from './shared.styles';

export interface RowKeyDetail {
  key: string;
  row: SampleRow;
  index: number;
}

type Move = (index: number, page: number, columns: number) => number;

/** Row heights are measured (a row wraps onto two lines in a narrow panel); tiles are fixed. */
const LIST_LAYOUT = flow();
const TILE = { width: 132, height: 156 };
const GALLERY_LAYOUT = grid({
  itemSize: { width: `${TILE.width}px`, height: `${TILE.height}px` },
  gap: '8px',
  justify: 'start',
});

/** In a gallery, ←/→ and h/l move one tile, ↑/↓ and j/k a line of tiles. */
const GALLERY_MOVES: Record<string, Move> = {
  ArrowRight: (i) => i + 1,
  l: (i) => i + 1,
  ArrowLeft: (i) => i - 1,
  h: (i) => i - 1,
  ArrowDown: (i, _p, c) => i + c,
  j: (i, _p, c) => i + c,
  ArrowUp: (i, _p, c) => i - c,
  k: (i, _p, c) => i - c,
};

/** Keys the list handles itself. */
const MOVES: Record<string, Move> = {
  j: (i) => i + 1,
  ArrowDown: (i) => i + 1,
  k: (i) => i - 1,
  ArrowUp: (i) => i - 1,
  PageDown: (i, page) => i + page,
  PageUp: (i, page) => i - page,
  Home: () => 0,
  End: () => Number.MAX_SAFE_INTEGER,
};

/** What a screen reader says for a row. */
export function describeRow(row: SampleRow): string {
  const parts = [row.where, `labeled ${row.label}`];
  if (row.split === 'test') parts.push(`predicted ${row.predicted}`);
  if (row.suggestedLabel !== undefined && row.suggestedLabel !== row.label)
    parts.push(`suggested ${row.suggestedLabel}`);
  if (row.suspicionRank !== undefined) parts.push(`suspicion rank ${row.suspicionRank}`);
  if (row.review) parts.push(reviewText(row.review));
  return parts.join(', ');
}

export class IlSampleList extends LitElement {
  static override properties = {
    store: { attribute: false },
    rev: { type: Number },
    list: { type: String },
    label: { type: String },
    renderRow: { attribute: false },
    selectable: { type: Boolean },
    gallery: { type: Boolean },
  };
  declare selectable: boolean;
  declare gallery: boolean;
  declare store: PanelStore;
  declare rev: number;
  declare list: ListName;
  declare label: string;
  declare renderRow: (row: SampleRow, index: number) => TemplateResult;

  static override styles = [
    sharedStyles,
    rowStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        flex: 1;
      }
      lit-virtualizer {
        flex: 1;
        min-height: 120px;
        border: 1px solid var(--vscode-widget-border, transparent);
      }
      .listbox:focus {
        outline: none;
      }
      .listbox:focus-visible lit-virtualizer,
      .listbox:focus lit-virtualizer {
        border-color: var(--vscode-focusBorder);
      }
      .listbox {
        display: flex;
        flex-direction: column;
        flex: 1;
        min-height: 0;
        /* The rows' narrow layout (rowStyles) follows the list's own width, not the window's. */
        container-type: inline-size;
        container-name: samples;
      }
      .row {
        width: 100%;
        box-sizing: border-box;
        display: flex;
        align-items: center;
        gap: 8px;
        padding: 2px 6px;
        min-height: 42px;
        border-bottom: 1px solid var(--vscode-widget-border, transparent);
        cursor: default;
      }
      .row.active {
        background: var(--vscode-list-activeSelectionBackground);
        color: var(--vscode-list-activeSelectionForeground);
        outline: 1px solid var(--vscode-list-focusOutline, transparent);
      }
      /* On the selection colour, links and secondary text take the selection's foreground, as VS Code's own lists do: the link colour on Dark Modern's selection was 4.8:1, barely above WCAG AA; now 12:1. */
      .row.active .link,
      .row.active .muted,
      .row.active .values {
        color: inherit;
      }
      .row.active .link {
        text-decoration: underline;
      }
      .tile {
        width: 100%;
        height: 100%;
        box-sizing: border-box;
        display: flex;
        flex-direction: column;
        align-items: center;
        gap: 2px;
        padding: 4px;
        border: 1px solid var(--vscode-widget-border, transparent);
        overflow: hidden;
      }
      .tile.active {
        background: var(--vscode-list-activeSelectionBackground);
        color: var(--vscode-list-activeSelectionForeground);
        outline: 1px solid var(--vscode-list-focusOutline, transparent);
      }
      .row:not(.active):hover {
        background: var(--vscode-list-hoverBackground);
      }
      .placeholder {
        color: var(--vscode-descriptionForeground);
      }
      .empty {
        padding: 12px;
      }
    `,
  ];

  private renderedRange = { first: 0, last: 0 };

  override render() {
    const source = this.store.lists[this.list];
    const total = source.total;
    if (total === undefined) {
      source.ensure(0, 0);
      return html`<p class="muted empty" role="status">Loading…</p>`;
    }
    if (total === 0) return html`<p class="muted empty" role="status">No samples match.</p>`;
    const active = this.store.active[this.list];
    const items = this.indexes(total);
    return html`<div
      class="listbox"
      role="listbox"
      tabindex="0"
      aria-label=${`${this.label}: ${total} samples`}
      aria-activedescendant=${`${this.list}-row-${active}`}
      @keydown=${this.onKey}
    >
      <lit-virtualizer
        scroller
        tabindex="-1"
        .layout=${this.gallery ? GALLERY_LAYOUT : LIST_LAYOUT}
        .items=${items}
        .renderItem=${(index: number) => this.renderIndex(index, active)}
        @rangeChanged=${(e: Event & { first: number; last: number }) => this.onRange(e.first, e.last)}
      ></lit-virtualizer>
    </div>`;
  }

  /** Focuses the list (so j/k work at once) and brings the focused row into view. */
  override focus(): void {
    (this.renderRoot.querySelector('.listbox') as HTMLElement | null)?.focus();
  }

  private cachedItems: number[] = [];

  /**
   * The virtualizer's items: row positions (the rows themselves come page by
   * page). Made again only when the count changes — not on every store change,
   * which at 100,000 rows would allocate on each keypress; the rows in view
   * render again because renderItem is a new function on each render.
   */
  private indexes(total: number): number[] {
    if (this.cachedItems.length !== total) this.cachedItems = Array.from({ length: total }, (_, i) => i);
    return this.cachedItems;
  }

  private renderIndex(index: number, active: number): TemplateResult {
    const row = this.store.lists[this.list].row(index);
    const base = this.gallery ? 'tile' : 'row';
    const cls = index === active ? `${base} active` : base;
    const total = this.store.lists[this.list].total ?? 0;
    if (!row) {
      return html`<div
        class=${cls}
        id=${`${this.list}-row-${index}`}
        role="option"
        aria-selected="false"
        aria-setsize=${total}
        aria-posinset=${index + 1}
        aria-label="loading"
      >
        <span class="placeholder">…</span>
      </div>`;
    }
    // An option is announced by its label and position ("… 5 of 100000"); the controls inside it are for the mouse
    // (tabindex -1: an option must not hold focusable children), the keys listed below the tabs do the same.
    return html`<div
      class=${cls}
      id=${`${this.list}-row-${index}`}
      role="option"
      aria-selected=${index === active ? 'true' : 'false'}
      aria-setsize=${total}
      aria-posinset=${index + 1}
      aria-label=${describeRow(row)}
      data-id=${row.id}
      @click=${(e: MouseEvent) => this.onRowClick(e, index, row)}
    >
      ${this.renderRow(row, index)}
    </div>`;
  }

  /**
   * Click focuses the row; in a selectable list shift-click selects the range from the anchor, Ctrl/Cmd-click toggles.
   */
  private onRowClick(e: MouseEvent, index: number, row: SampleRow): void {
    const store = this.store;
    const from = store.anchor ?? store.active[this.list];
    store.setActive(this.list, index);
    if (!this.selectable) return;
    if (e.shiftKey) {
      store.anchor = from;
      store.selectRange(from, index);
    } else {
      if (e.ctrlKey || e.metaKey) store.toggleSelected(row.id);
      store.anchor = index;
    }
  }

  private onRange(first: number, last: number): void {
    this.renderedRange = { first, last };
    this.store.lists[this.list].ensure(first, last);
  }

  private onKey = (e: KeyboardEvent) => {
    if (this.selectable && (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'a') {
      e.preventDefault();
      this.store.selectAll();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const source = this.store.lists[this.list];
    const total = source.total ?? 0;
    const current = this.store.active[this.list];
    // Shift+J is 'J': letters name the same move with and without shift.
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const move = this.gallery ? (GALLERY_MOVES[key] ?? MOVES[key]) : MOVES[key];
    if (move) {
      e.preventDefault();
      const page = Math.max(1, this.renderedRange.last - this.renderedRange.first);
      const next = Math.max(0, Math.min(total - 1, move(current, page, this.columns())));
      this.store.setActive(this.list, next);
      if (this.selectable && e.shiftKey) {
        // Shift with a move: the selection runs from the anchor (set where the range began) to the new row.
        const anchor = this.store.anchor ?? current;
        this.store.anchor = anchor;
        this.store.selectRange(anchor, next);
      }
      source.ensure(next, next);
      this.scrollToRow(next);
      return;
    }
    const row = source.row(current);
    if (!row) return;
    const detail: RowKeyDetail = { key: e.key, row, index: current };
    const handled = !this.dispatchEvent(
      new CustomEvent('il-row-key', { detail, bubbles: true, composed: true, cancelable: true }),
    );
    if (handled) e.preventDefault();
  };

  /** Tiles per line of the gallery (1 for a list). */
  private columns(): number {
    if (!this.gallery) return 1;
    const width = this.renderRoot.querySelector('lit-virtualizer')?.clientWidth ?? TILE.width;
    return Math.max(1, Math.floor((width + 8) / (TILE.width + 8)));
  }

  scrollToRow(index: number): void {
    const virtualizer = this.renderRoot.querySelector('lit-virtualizer') as LitVirtualizer | null;
    virtualizer?.element(index)?.scrollIntoView({ block: 'nearest' });
    // Rows are measured as they render (a row wrapped in a narrow list is taller than the estimate): once they are
    // laid out the row may sit elsewhere, so it is brought into view again.
    let tries = 30;
    let settled = 0;
    const again = () => {
      if (!virtualizer || this.store.active[this.list] !== index || tries-- <= 0) return;
      const row = this.renderRoot.querySelector(`#${this.list}-row-${index}`);
      const box = virtualizer.getBoundingClientRect();
      const r = row?.getBoundingClientRect();
      if (r && r.top >= box.top - 1 && r.bottom <= box.bottom + 1) {
        // In view; the layout may still move it while it settles, so look a few more times.
        if (settled++ < 3) setTimeout(again, 100);
        return;
      }
      settled = 0;
      // Once the row exists, scroll by its real box, not the layout's estimate (the virtualizer's own scrollIntoView
      // keeps the row pinned where the estimate puts it, which can leave the last row half below the list).
      if (r) virtualizer.scrollTop += r.bottom > box.bottom ? r.bottom - box.bottom + 2 : r.top - box.top - 2;
      else virtualizer.element(index)?.scrollIntoView({ block: 'nearest' });
      setTimeout(again, 100);
    };
    setTimeout(again, 100);
  }

  private restored = false;

  protected override updated(): void {
    // Once the rows are there, back to where the user was (a restored panel keeps its focused row).
    if (this.restored || !this.renderRoot.querySelector('lit-virtualizer')) return;
    this.restored = true;
    const active = this.store.active[this.list];
    if (active > 0) requestAnimationFrame(() => this.scrollToRow(active));
  }
}

customElements.define('il-sample-list', IlSampleList);

declare global {
  interface HTMLElementTagNameMap {
    'il-sample-list': IlSampleList;
  }
}
