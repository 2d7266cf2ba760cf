/**
 * Test samples, wrong predictions first (or by loss), filtered by label and
 * prediction. Choosing one (Enter, e, or its button) shows its influencers.
 * @tag il-tests
 */
import { html, nothing } from 'lit';
import type { RowQuery, SampleRow } from '../../src/protocol/webview';
import { fmt } from '../format';
import { samplePreview, whereLink } from './cells';
import './il-sample-list';
import { issueFilter } from './issue-filter';
import type { RowKeyDetail } from './il-sample-list';
import { PanelView } from './panel-view';
import { fillColumn, sharedStyles, splitStyles } from './shared.styles';
import './il-detail';

export class IlTests extends PanelView {
  static override styles = [sharedStyles, fillColumn, splitStyles];

  override render() {
    const v = this.store.view;
    if (!v) return nothing;
    const source = this.store.lists.tests;
    const q = source.query;
    const set = (change: Partial<Omit<RowQuery, 'list'>>) => {
      const next: Omit<RowQuery, 'list'> = { ...q, ...change };
      if (next.label === undefined) delete next.label;
      if (next.other === undefined) delete next.other;
      if (next.issue === undefined) delete next.issue;
      this.store.setQuery('tests', next);
    };
    const value = (e: Event) => (e.target as HTMLSelectElement).value || undefined;
    return html`
      <div class="toolbar" role="search" aria-label="Filter and sort the test samples">
        <label
          >label
          <select aria-label="Test label" @change=${(e: Event) => set({ label: value(e) })}>
            <option value="" ?selected=${q.label === undefined}>any</option>
            ${v.classes.map((c) => html`<option .value=${c} ?selected=${q.label === c}>${c}</option>`)}
          </select></label
        >
        <label
          >predicted
          <select aria-label="Predicted label" @change=${(e: Event) => set({ other: value(e) })}>
            <option value="" ?selected=${q.other === undefined}>any</option>
            ${v.classes.map((c) => html`<option .value=${c} ?selected=${q.other === c}>${c}</option>`)}
          </select></label
        >
        ${issueFilter(v, 'tests', q, set)}
        <label
          >sort by
          <select
            aria-label="Sort test samples by"
            @change=${(e: Event) => set({ sort: value(e) as RowQuery['sort'] })}
          >
            <option value="misclassifiedFirst" ?selected=${q.sort === 'misclassifiedFirst'}>
              wrong first, then loss
            </option>
            <option value="loss" ?selected=${q.sort === 'loss'}>loss</option>
            <option value="suspicion" ?selected=${q.sort === 'suspicion'}>suspected wrong label</option>
          </select></label
        >
        <label
          ><input
            type="checkbox"
            data-role="toggle-detail"
            .checked=${this.store.showDetail}
            @change=${(e: Event) => this.store.toggleDetail((e.target as HTMLInputElement).checked)}
          />details (d)</label
        >
        <span class="muted" role="status"
          >${source.total === undefined ? '' : `${source.total} of ${v.nTest} test samples`}</span
        >
      </div>
      <div class="split-wrap">
        <div class="split">
          <il-sample-list
            .store=${this.store}
            .rev=${this.rev}
            list="tests"
            label="Test samples"
            .renderRow=${(row: SampleRow) => this.renderRow(row)}
            @il-row-key=${this.onRowKey}
          ></il-sample-list>
          ${this.store.showDetail ? html`<il-detail .store=${this.store} .rev=${this.rev}></il-detail>` : nothing}
        </div>
      </div>
    `;
  }

  private renderRow(row: SampleRow) {
    const wrong = row.label !== row.predicted;
    return html`${samplePreview(row)}
      <span class="where-cell">${whereLink(this.store, row, true)}</span>
      <span class="pred"
        ><span class="cell-label">given</span> ${row.label} → <span class="cell-label">predicted</span>
        <span class=${wrong ? 'wrong' : ''}>${row.predicted}</span></span
      >
      <span class="loss num" title="test loss on its given label"
        ><span class="cell-label">loss</span> ${fmt(row.loss)}</span
      >
      ${
        row.likelyLabelIssue
          ? html`<span
              class="tag wrong"
              data-role="test-label-suspect"
              title=${`The model, which never trained on this sample, confidently disagrees ` + `with its label (suspicion ${fmt(row.suspicion ?? 0, 2)}): a wrong test ` + `label corrupts the reported accuracy.`}
              >label suspect</span
            >`
          : nothing
      }
      <button
        class="explain"
        tabindex="-1"
        aria-label=${`Influencers of ${row.where}`}
        @click=${() => this.store.explain('test', row.id)}
      >
        Influencers
      </button>`;
  }

  private onRowKey = (e: CustomEvent<RowKeyDetail>) => {
    const { key, row } = e.detail;
    if (key === 'o') this.store.post({ type: 'openSample', split: 'test', id: row.id });
    else if (key === 'Enter' || key === 'e') this.store.explain('test', row.id);
    else if (key === 'd') this.store.toggleDetail();
    else return;
    e.preventDefault();
  };
}

customElements.define('il-tests', IlTests);

declare global {
  interface HTMLElementTagNameMap {
    'il-tests': IlTests;
  }
}
