/**
 * Suspected mislabels: every training sample, most suspicious first (or by
 * self-influence or loss), filtered by given label, suggested label, review
 * state or the estimated errors; a confusion view of given against suggested
 * labels that filters the list; per-row and bulk actions; keyboard review.
 * @tag il-suspects
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { css, html, nothing } from 'lit';
import { type RowQuery, type SampleRow } from '../../src/protocol/webview';
import { fmt, topShare } from '../format';
import { reviewText, samplePreview, suspicionBar, whereLink } from './cells';
import './il-confusion';
import './il-detail';
import { issueFilter } from './issue-filter';
import { type IlRelabelPicker, type PickerRequest } from './il-relabel-picker';
import './il-relabel-picker';
import './il-sample-list';
import type { RowKeyDetail } from './il-sample-list';
import { PanelView } from './panel-view';
import { selectionBar } from './selection-bar';
import { fillColumn, sharedStyles, splitStyles } from './shared.styles';

const SORTS: [RowQuery['sort'], string][] = [
  ['suspicion', 'suspicion'],
  ['selfInfluence', 'self-influence'],
  ['loss', 'training loss'],
];
const REVIEWS: [NonNullable<RowQuery['review']>, string][] = [
  ['all', 'any review state'],
  ['unreviewed', 'not reviewed'],
  ['confirmed', 'confirmed'],
  ['notIssue', 'not an issue'],
  ['relabeled', 'relabeled'],
];

export class IlSuspects extends PanelView {
  static override properties = { ...PanelView.properties, showConfusion: { state: true } };
  declare showConfusion: boolean;

  constructor() {
    super();
    this.showConfusion = false;
  }

  static override styles = [
    sharedStyles,
    fillColumn,
    splitStyles,
    css`
      .bulk {
        padding: 4px 6px;
        background: var(--vscode-editorWidget-background);
        border: 1px solid var(--vscode-widget-border, transparent);
      }
      .refused {
        border: 1px solid var(--vscode-inputValidation-warningBorder, #b89500);
        background: var(--vscode-inputValidation-warningBackground, transparent);
        padding: 4px 8px;
        margin: 4px 0;
        max-height: 9em;
        overflow: auto;
      }
      .refused ul {
        margin: 2px 0;
        padding-left: 1.2em;
      }
    `,
  ];

  override render() {
    const v = this.store.view;
    if (!v) return nothing;
    const source = this.store.lists.suspects;
    const q = source.query;
    return html`
      <div class="toolbar" role="search" aria-label="Filter and sort the suspects">
        <label
          >given
          <select
            aria-label="Given label"
            data-role="filter-label"
            @change=${(e: Event) => this.setFilter({ label: optionValue(e) })}
          >
            <option value="" ?selected=${q.label === undefined}>any label</option>
            ${v.classes.map((c) => html`<option .value=${c} ?selected=${q.label === c}>${c}</option>`)}
          </select></label
        >
        <label
          >suggested
          <select
            aria-label="Suggested label"
            data-role="filter-other"
            @change=${(e: Event) => this.setFilter({ other: optionValue(e) })}
          >
            <option value="" ?selected=${q.other === undefined}>any label</option>
            ${v.classes.map((c) => html`<option .value=${c} ?selected=${q.other === c}>${c}</option>`)}
          </select></label
        >
        <select
          aria-label="Review state"
          data-role="filter-review"
          @change=${(e: Event) => this.setFilter({ review: (optionValue(e) as RowQuery['review']) ?? 'all' })}
        >
          ${REVIEWS.map(([value, text]) => html`<option .value=${value} ?selected=${(q.review ?? 'all') === value}>${text}</option>`)}
        </select>
        <label
          ><input
            type="checkbox"
            data-role="filter-likely"
            .checked=${q.likelyOnly ?? false}
            @change=${(e: Event) => this.setFilter({ likelyOnly: (e.target as HTMLInputElement).checked || undefined })}
          />only the ${v.estimatedIssues} estimated errors</label
        >
        ${issueFilter(v, 'suspects', q, (change) => this.setFilter(change))}
        <label
          >sort by
          <select
            aria-label="Sort by"
            data-role="sort"
            @change=${(e: Event) => this.setFilter({ sort: optionValue(e) as RowQuery['sort'] })}
          >
            ${SORTS.map(([value, text]) => html`<option .value=${value} ?selected=${q.sort === value}>${text}</option>`)}
          </select></label
        >
        ${
          v.confusion
            ? html`<button
                class="link"
                aria-expanded=${this.showConfusion ? 'true' : 'false'}
                @click=${() => (this.showConfusion = !this.showConfusion)}
              >
                ${this.showConfusion ? 'hide' : 'show'} given × suggested
              </button>`
            : html`<span
                class="muted"
                data-role="no-confusion"
                title=${v.notes?.find((n) => n.includes('given × suggested')) ?? ''}
                >no given × suggested table (${v.classes.length.toLocaleString('en-US')} classes)</span
              >`
        }
        ${
          v.format === 'imagefolder'
            ? html`<label
                ><input
                  type="checkbox"
                  data-role="gallery"
                  .checked=${this.store.gallery}
                  @change=${(e: Event) => this.store.setGallery((e.target as HTMLInputElement).checked)}
                />gallery</label
              >`
            : nothing
        }
        <label
          ><input
            type="checkbox"
            data-role="toggle-detail"
            .checked=${this.store.showDetail}
            @change=${(e: Event) => this.store.toggleDetail((e.target as HTMLInputElement).checked)}
          />details (d)</label
        >
        <span class="muted" role="status" data-role="count"
          >${source.total === undefined ? '' : `${source.total} of ${v.nTrain} samples`}</span
        >
      </div>
      ${
        this.showConfusion && v.confusion
          ? html`<il-confusion
              .classes=${v.classes}
              .counts=${v.confusion}
              .given=${q.label}
              .suggested=${q.other}
              @il-cell=${(e: CustomEvent<{ given: string; suggested: string }>) => this.setFilter({ label: e.detail.given, other: e.detail.suggested })}
            ></il-confusion>`
          : nothing
      }
      ${selectionBar(this.store, source.total, {
        relabel: () => this.pickForSelection(),
        review: (state) => this.review([...this.store.selected], state),
      })}
      ${this.refusedBanner()}
      <div class="split-wrap">
        <div class="split">
          <il-sample-list
            .store=${this.store}
            .rev=${this.rev}
            list="suspects"
            label="Suspected mislabels"
            selectable
            ?gallery=${this.store.gallery && v.format === 'imagefolder'}
            .renderRow=${(row: SampleRow, index: number) => (this.store.gallery && v.format === 'imagefolder' ? this.renderTile(row, index) : this.renderRow(row, index))}
            @il-row-key=${this.onRowKey}
          ></il-sample-list>
          ${this.store.showDetail ? html`<il-detail .store=${this.store} .rev=${this.rev}></il-detail>` : nothing}
        </div>
      </div>
      <il-relabel-picker
        @il-pick=${(e: CustomEvent<{ label: string }>) => this.applyPick(e.detail.label)}
      ></il-relabel-picker>
    `;
  }

  private suspicionTitle(row: SampleRow, total: number): string {
    const rank =
      row.suspicionRank !== undefined
        ? `rank ${row.suspicionRank.toLocaleString('en-US')} of ` +
          `${total.toLocaleString('en-US')} by suspicion ` +
          `(${topShare(row.suspicionRank, total)}). `
        : '';
    return (
      `${rank}Suspicion score ${fmt(row.suspicion, 2)}: a mean of rank ` +
      `percentiles, not a probability. Self-influence ` +
      `${fmt(row.selfInfluence)}; training loss ${fmt(row.loss)}.`
    );
  }

  private refusedBanner() {
    const r = this.store.refused;
    if (!r) return nothing;
    return html`<div class="refused" role="alert" data-role="refused">
      ${r.what}
      <ul>
        ${r.samples.map((x) => html`<li><strong>${x.where}</strong>: ${x.reason}</li>`)}
      </ul>
      <vscode-button data-role="deselect-refused" @click=${() => this.store.deselectRefused()}
        >Deselect these ${r.samples.length}</vscode-button
      >
      <vscode-button secondary @click=${() => this.store.dismissRefused()}>Dismiss</vscode-button>
    </div>`;
  }

  /** The row's checkbox: a click toggles it (and sets the anchor), a shift-click selects the range from the anchor. */
  private checkbox(row: SampleRow, index: number) {
    const selected = this.store.selected.has(row.id);
    return html`<input
      type="checkbox"
      tabindex="-1"
      aria-label=${`Select ${row.where}`}
      .checked=${selected}
      @click=${(e: MouseEvent) => {
        e.stopPropagation();
        const store = this.store;
        if (e.shiftKey && store.anchor !== undefined) {
          e.preventDefault();
          store.selectRange(store.anchor, index);
          store.setActive('suspects', index);
          return;
        }
        store.toggleSelected(row.id, (e.target as HTMLInputElement).checked);
        store.anchor = index;
      }}
    />`;
  }

  /** A gallery tile: the image large, its file, given → suggested. */
  private renderTile(row: SampleRow, index: number) {
    const differs = row.suggestedLabel !== undefined && row.suggestedLabel !== row.label;
    return html`<span class="tile-top"
        >${this.checkbox(row, index)}${row.review ? html`<span class="pill" data-role="review">${reviewText(row.review)}</span>` : nothing}</span
      >
      ${row.thumbnail ? html`<img class="tile-image" src=${row.thumbnail} alt=${`training sample ${row.where}`} loading="lazy" />` : nothing}
      <span class="tile-caption" title=${row.where}
        >${row.label}${differs ? html` → <strong>${row.suggestedLabel}</strong>` : nothing}</span
      >`;
  }

  private renderRow(row: SampleRow, index: number) {
    const total = this.store.view?.nTrain ?? 0;
    const differs = row.suggestedLabel !== undefined && row.suggestedLabel !== row.label;
    return html`${this.checkbox(row, index)} ${samplePreview(row)}
      <span class=${row.likelyLabelIssue ? 'where-cell likely' : 'where-cell'}
        >${whereLink(this.store, row, true)}</span
      >
      <span
        class="given-suggested"
        data-role="given-suggested"
        title=${`given label ${row.label} (out-of-sample probability ` + `${fmt(row.givenProbability, 2)})${differs ? `; suggested ${row.suggestedLabel} (out-of-sample probability ${fmt(row.suggestedProbability, 2)})` : '; no other label suggested'}`}
      >
        <span class="cell-label">given</span> ${row.label}${
          differs
            ? html` → <span class="cell-label">suggested</span> <strong>${row.suggestedLabel}</strong>
                <span class="muted">p ${fmt(row.suggestedProbability, 2)}</span>`
            : html` <span class="muted">(kept)</span>`
        }
      </span>
      <span class="score" data-role="suspicion" title=${this.suspicionTitle(row, total)}>
        <span class="cell-label">suspicion</span> ${suspicionBar(rankShare(row, total))}
        <span class="num">${row.suspicionRank !== undefined ? topShare(row.suspicionRank, total) : '–'}</span>
      </span>
      <span class="state"
        >${row.review ? html`<span class="pill" data-role="review">${reviewText(row.review)}</span>` : nothing}</span
      >
      <span class="actions">
        ${
          differs
            ? html`<button
                tabindex="-1"
                title=${`Relabel as ${row.suggestedLabel}`}
                aria-label=${`Relabel ${row.where} as ${row.suggestedLabel}`}
                @click=${() => this.relabel([row.id], row.suggestedLabel!)}
              >
                → ${row.suggestedLabel}
              </button>`
            : nothing
        }
        <button
          tabindex="-1"
          title="Relabel as… (r)"
          aria-label=${`Relabel ${row.where} as…`}
          @click=${() => this.pickFor([row])}
        >
          …
        </button>
        <button
          tabindex="-1"
          title="Confirmed mislabel (c)"
          aria-label=${`Confirm ${row.where} is mislabeled`}
          @click=${() => this.review([row.id], 'confirmed')}
        >
          ✓
        </button>
        <button
          tabindex="-1"
          title="Not an issue (x)"
          aria-label=${`Dismiss ${row.where}: not an issue`}
          @click=${() => this.review([row.id], 'notIssue')}
        >
          ✗
        </button>
        <button
          tabindex="-1"
          title="Test predictions it moves (e)"
          aria-label=${`Explain ${row.where}`}
          @click=${() => this.store.explain('train', row.id)}
        >
          Explain
        </button>
      </span>`;
  }

  private setFilter(change: Partial<Omit<RowQuery, 'list'>>): void {
    const next: Omit<RowQuery, 'list'> = { ...this.store.lists.suspects.query, ...change };
    for (const key of Object.keys(next) as (keyof typeof next)[]) if (next[key] === undefined) delete next[key];
    this.store.setQuery('suspects', next);
  }

  private selectedRows(): SampleRow[] {
    return this.store.lists.suspects.loaded().filter((r) => this.store.selected.has(r.id));
  }

  /** Keys act on the selection when there is one, else on the focused row. */
  private targets(row: SampleRow): number[] {
    return this.store.selected.size ? [...this.store.selected] : [row.id];
  }

  private onRowKey = (e: CustomEvent<RowKeyDetail>) => {
    const { key, row } = e.detail;
    switch (key) {
      case 'o':
      case 'Enter':
        this.store.post({ type: 'openSample', split: 'train', id: row.id });
        break;
      case 'r':
        if (this.store.selected.size) this.pickForSelection();
        else this.pickFor([row]);
        break;
      case 'x':
        this.review(this.targets(row), 'notIssue');
        break;
      case 'c':
        this.review(this.targets(row), 'confirmed');
        break;
      case 'u':
        this.review(this.targets(row), null);
        break;
      case 'e':
        this.store.explain('train', row.id);
        break;
      case ' ':
        this.store.toggleSelected(row.id);
        this.store.anchor = e.detail.index;
        break;
      case 'a':
        this.store.acceptSuggestions(this.targets(row));
        break;
      case 'd':
        this.store.toggleDetail();
        break;
      case 'Escape':
        this.store.clearSelection();
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  private pending: number[] = [];

  /** Relabel the selection: every selected id, also rows not loaded (a select-all reaches past the loaded pages). */
  private pickForSelection(): void {
    const ids = [...this.store.selected];
    const loaded = this.selectedRows();
    if (ids.length === 1 && loaded.length === 1) this.pickFor(loaded);
    else this.pickFor(loaded, ids);
  }

  private pickFor(rows: SampleRow[], ids: number[] = rows.map((r) => r.id)): void {
    if (ids.length === 0) return;
    this.pending = ids;
    const one = ids.length === 1 && rows.length === 1 ? rows[0] : undefined;
    const request: PickerRequest = {
      subject: one ? one.where : `${ids.length} samples`,
      current: one?.label,
      ranked:
        one?.rankedLabels ??
        (one?.suggestedLabel ? [{ label: one.suggestedLabel, probability: one.suggestedProbability ?? 0 }] : []),
      classes: this.store.view?.classes ?? [],
    };
    (this.renderRoot.querySelector('il-relabel-picker') as IlRelabelPicker).open(request);
  }

  private applyPick(label: string): void {
    this.relabel(this.pending, label);
    this.pending = [];
  }

  private relabel(ids: number[], label: string): void {
    if (ids.length) this.store.post({ type: 'relabel', split: 'train', ids, label });
  }

  private review(ids: number[], state: 'confirmed' | 'notIssue' | null): void {
    if (ids.length) this.store.post({ type: 'setReview', ids, state });
  }
}

/** The bar's length: the share of training samples this one ranks above (1 = the most suspicious). */
function rankShare(row: SampleRow, total: number): number | undefined {
  if (row.suspicionRank === undefined || total <= 0) return undefined;
  return 1 - (row.suspicionRank - 1) / total;
}

function optionValue(e: Event): string | undefined {
  const value = (e.target as HTMLSelectElement).value;
  return value === '' ? undefined : value;
}

customElements.define('il-suspects', IlSuspects);

declare global {
  interface HTMLElementTagNameMap {
    'il-suspects': IlSuspects;
  }
}
