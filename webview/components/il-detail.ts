/**
 * The detail pane: the focused sample in full, so the user can read what
 * they judge — every column with its value (or every JSONL field), the
 * record's whole text, the image at a large size, the out-of-sample
 * probability of each class, the signals the suspicion combines
 * (value, percentile, weight) and the sample's strongest influencers. It
 * follows the focused row of the list beside it.
 *
 * @tag il-detail
 * @fires il-accept - a request to accept the shown sample's suggestion.
 */
import { css, html, nothing } from 'lit';
import type { DetailView, InfluenceRow } from '../../src/protocol/webview';
import { fmt } from '../format';
import { reviewText, suspicionBar, whereLink } from './cells';
import { PanelView } from './panel-view';
import { sharedStyles } from './shared.styles';

export class IlDetail extends PanelView {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        overflow: auto;
        min-width: 0;
        padding: 4px 8px;
        box-sizing: border-box;
        border: 1px solid var(--vscode-widget-border, transparent);
        background: var(--vscode-editorWidget-background, transparent);
      }
      h2 {
        margin-top: 2px;
        overflow-wrap: anywhere;
      }
      .image {
        display: block;
        width: 100%;
        max-width: 320px;
        aspect-ratio: 1;
        object-fit: contain;
        image-rendering: pixelated;
        background: var(--vscode-editor-background);
        border: 1px solid var(--vscode-widget-border, transparent);
      }
      dl {
        display: grid;
        grid-template-columns: minmax(4em, max-content) minmax(0, 1fr);
        gap: 2px 10px;
        margin: 4px 0;
      }
      dt {
        color: var(--vscode-descriptionForeground);
        overflow-wrap: anywhere;
      }
      dd {
        margin: 0;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      pre {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        font-family: var(--vscode-editor-font-family, monospace);
        margin: 4px 0;
        max-height: 16em;
        overflow: auto;
      }
      table {
        border-collapse: collapse;
        width: 100%;
      }
      td,
      th {
        text-align: left;
        padding: 1px 6px 1px 0;
        vertical-align: top;
      }
      th {
        font-weight: normal;
        color: var(--vscode-descriptionForeground);
      }
      .given {
        font-weight: 600;
      }
      ol {
        margin: 0;
        padding-left: 1.4em;
      }
      li {
        overflow-wrap: anywhere;
      }
    `,
  ];

  override render() {
    const d = this.store.detail;
    if (!d) return html`<p class="muted" data-role="detail-empty">Focus a row to see its whole record here.</p>`;
    const s = d.sample;
    const differs = s.suggestedLabel !== undefined && s.suggestedLabel !== s.label;
    return html`<section aria-label="Sample details" data-role="detail">
      <h2>${whereLink(this.store, s)}</h2>
      <div>
        given <strong>${s.label}</strong>${differs ? html` · suggested <strong>${s.suggestedLabel}</strong>` : nothing}
        · predicted <span class=${s.label !== s.predicted ? 'wrong' : ''}>${s.predicted}</span>
        ${s.review ? html` · <span class="pill">${reviewText(s.review)}</span>` : nothing}
      </div>
      ${d.image ? html`<img class="image" data-role="detail-image" src=${d.image} alt=${`${s.where}, full size`} />` : nothing}
      ${d.recordNote ? html`<p class="muted" data-role="record-note">${d.recordNote}</p>` : nothing}
      ${
        d.fields.length
          ? html`<h3>Record</h3>
              <dl data-role="fields">
                ${d.fields.map(
                  (f) =>
                    html`<dt>${f.name}</dt>
                      <dd>${f.value}</dd>`,
                )}
              </dl>`
          : s.preview && !d.image
            ? html`<h3>Record</h3>
                <p data-role="preview">${s.preview}</p>`
            : nothing
      }
      ${
        d.text !== undefined
          ? html`<details>
              <summary>The record's text</summary>
              <pre data-role="record-text">${d.text}</pre>
            </details>`
          : nothing
      }
      ${d.probabilities.length ? this.probabilities(d) : nothing} ${d.signals.length ? this.signals(d) : nothing}
      ${this.influencers(d)}
    </section>`;
  }

  private probabilities(d: DetailView) {
    const given = d.sample.label;
    return html`<h3>Out-of-sample probability per class</h3>
      <table data-role="probabilities">
        ${d.probabilities.map(
          (p) =>
            html`<tr class=${p.label === given ? 'given' : ''}>
              <td>${p.label}${p.label === given ? ' (given)' : ''}</td>
              <td class="num">${fmt(p.probability, 2)}</td>
              <td>${suspicionBar(p.probability)}</td>
            </tr>`,
        )}
      </table>
      ${d.probabilityNote ? html`<p class="muted">${d.probabilityNote}</p>` : nothing}
      <p class="muted">
        From models trained without this sample (cross-fitting), so a wrong label cannot have been memorised.
      </p>`;
  }

  private signals(d: DetailView) {
    return html`<h3>Why it is suspected</h3>
      <table data-role="signals">
        <tr>
          <th>signal</th>
          <th>value</th>
          <th>more suspicious than</th>
          <th>weight</th>
        </tr>
        ${d.signals.map(
          (g) =>
            html`<tr title=${g.meaning}>
              <td>${g.name}</td>
              <td class="num">${fmt(g.value)}</td>
              <td class="num">${(100 * g.percentile).toFixed(0)}% ${suspicionBar(g.percentile)}</td>
              <td class="num">${g.weight.toFixed(2)}</td>
            </tr>`,
        )}
      </table>
      ${d.suspicionNote ? html`<p class="muted" data-role="suspicion-note">${d.suspicionNote}</p>` : nothing}`;
  }

  private influencers(d: DetailView) {
    const isTest = d.sample.split === 'test';
    const list = (title: string, rows: InfluenceRow[], role: string) =>
      html`<h3>${title}</h3>
        ${
          rows.length
            ? html`<ol data-role=${role}>
                ${rows.map((r) => html`<li>${whereLink(this.store, r.sample)} <span class="muted">${r.sample.label} · ${fmt(r.influence)}</span></li>`)}
              </ol>`
            : html`<p class="muted">none among the kept influences</p>`
        }`;
    return html`${list(isTest ? 'Strongest proponents' : 'Test samples whose label it supports most', d.proponents, 'detail-proponents')}
    ${list(isTest ? 'Strongest opponents' : 'Test samples it pulls away most', d.opponents, 'detail-opponents')}`;
  }
}

customElements.define('il-detail', IlDetail);

declare global {
  interface HTMLElementTagNameMap {
    'il-detail': IlDetail;
  }
}
