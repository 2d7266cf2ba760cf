/**
 * The Issues tab (issue 17): a count per kind of data issue (each opens the
 * list filtered to that kind), the duplicate sets side by side, the harmful
 * training samples with the remove-and-retrain check, and per-class health
 * (counts, imbalance, share of suspected issues, the most confused pairs).
 * @tag il-issues
 */
import { css, html, nothing } from 'lit';
import type { IssueKind, ListName } from '../../src/protocol/webview';
import { fmt, pct } from '../format';
import './il-duplicate-set';
import './il-harmful';
import { PanelView } from './panel-view';
import { sharedStyles } from './shared.styles';

/** Kinds, what they count, and the list they filter. */
const KINDS: [IssueKind, string, ListName][] = [
  ['labelIssue', 'likely label errors', 'suspects'],
  ['duplicate', 'duplicate sets', 'suspects'],
  ['leakage', 'test samples leaked from train', 'tests'],
  ['labelConflict', 'duplicate sets with different labels', 'suspects'],
  ['outlier', 'outliers in train', 'suspects'],
  ['harmful', 'harmful to the test loss', 'suspects'],
];

export class IlIssues extends PanelView {
  static override styles = [
    sharedStyles,
    css`
      .counts {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(180px, 1fr));
        gap: 8px;
        margin: 6px 0 12px;
      }
      .count {
        font: inherit;
        text-align: left;
        cursor: pointer;
        padding: 6px 8px;
        color: inherit;
        background: var(--vscode-editorWidget-background);
        border: 1px solid var(--vscode-widget-border, rgba(128, 128, 128, 0.35));
      }
      .count strong {
        display: block;
        font-size: 1.5em;
      }
      h2 {
        font-size: 1.1em;
        margin: 14px 0 4px;
      }
      table {
        border-collapse: collapse;
      }
      td,
      th {
        padding: 1px 8px;
        text-align: left;
      }
      .num {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      .wrong {
        color: var(--vscode-errorForeground);
      }
    `,
  ];

  override render() {
    const v = this.store.view;
    if (!v) return nothing;
    const issues = v.issues;
    if (!issues)
      return html`<p class="muted" data-role="no-issues">
        These results have no data-issue report (made by an older version, or with it turned off): re-run to get one.
      </p>`;
    const c = issues.counts;
    const counts: Record<IssueKind, number> = {
      labelIssue: c.labelIssue,
      duplicate: c.duplicate,
      leakage: c.leakage,
      labelConflict: c.labelConflict,
      outlier: c.outlier,
      harmful: c.harmful,
    };
    return html`
      <div class="counts" role="list" aria-label="Data issues by kind">
        ${KINDS.map(
          ([kind, text, list]) =>
            html`<button
              class="count"
              role="listitem"
              data-kind=${kind}
              title=${`Show the ${list === 'tests' ? 'test samples' : 'training samples'} with this issue`}
              @click=${() => this.filter(kind, list)}
            >
              <strong>${counts[kind].toLocaleString('en-US')}</strong>${text}
            </button>`,
        )}
      </div>
      <p class="muted">
        Outliers: score ≥ ${issues.outlierCut} (<span title=${issues.outlierDefinition}>how it is scored</span>;
        ${c.testOutliers} in test). Near-duplicates: within ${issues.duplicateCut}× the median nearest-neighbour
        distance; ${issues.search}.
      </p>
      <h2>Duplicate sets</h2>
      ${
        issues.duplicateSets.length
          ? html`<div data-role="duplicate-sets">
                ${issues.duplicateSets.map((s) => html`<il-duplicate-set .store=${this.store} .set=${s}></il-duplicate-set>`)}
              </div>
              ${c.duplicate > issues.duplicateSets.length ? html`<p class="muted">Showing ${issues.duplicateSets.length} of ${c.duplicate} sets: leakage and conflicting labels first.</p>` : nothing}`
          : html`<p class="muted">No duplicates found.</p>`
      }
      <h2>Harmful and helpful training samples</h2>
      <il-harmful .store=${this.store} .rev=${this.rev}></il-harmful>
      <h2>Classes</h2>
      <table data-role="classes">
        <tr>
          <th>class</th>
          <th class="num">train</th>
          <th class="num">share</th>
          <th class="num">test</th>
          <th class="num">label errors</th>
          <th class="num">outliers</th>
          <th class="num">in duplicates</th>
          <th class="num">suspect share</th>
        </tr>
        ${issues.classes.map(
          (k) =>
            html`<tr>
              <td>
                ${k.label}${k.underrepresented ? html` <span class="wrong" title="fewer than 0.2× the mean class size">under-represented</span>` : nothing}
              </td>
              <td class="num">${k.train}</td>
              <td class="num">${pct(k.trainShare)}</td>
              <td class="num">${k.test}</td>
              <td class="num">${k.labelIssues}</td>
              <td class="num">${k.outliers}</td>
              <td class="num">${k.duplicates}</td>
              <td class="num">${pct(k.issueShare)}</td>
            </tr>`,
        )}
      </table>
      ${
        issues.confusedPairs.length
          ? html`<p data-role="confused">
              Most confused out of sample:
              ${issues.confusedPairs.map(
                (p, i) =>
                  html`${i ? ', ' : ''}<button class="link" @click=${() => this.showPair(p.a, p.b)}>
                      ${p.a} ↔ ${p.b}
                    </button>
                    ${fmt(p.count, 0)}`,
              )}
            </p>`
          : nothing
      }
    `;
  }

  /** The suspects given one label whose out-of-sample model prefers the other. */
  private showPair(a: string, b: string): void {
    this.store.setQuery('suspects', { sort: 'suspicion', label: a, other: b });
    this.store.setTab('suspects');
  }

  /** The list of that kind's samples: its filter set (other filters cleared), its tab shown. */
  private filter(kind: IssueKind, list: ListName): void {
    this.store.setQuery(list, { sort: list === 'tests' ? 'misclassifiedFirst' : 'suspicion', issue: kind });
    this.store.setTab(list);
  }
}

customElements.define('il-issues', IlIssues);

declare global {
  interface HTMLElementTagNameMap {
    'il-issues': IlIssues;
  }
}
