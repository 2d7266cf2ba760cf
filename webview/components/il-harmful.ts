/**
 * The training samples that hurt (or help) the whole test set most (issue
 * 17), and the "what if I remove these" check as a button: k (default 1% of
 * the training set) goes to the host, which re-runs the analysis on the saved
 * fit in the compute subprocess with progress and cancel; the new results
 * show the test loss and accuracy before and after, predicted next to actual.
 * @tag il-harmful
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { css, html, nothing } from 'lit';
import type { InfluenceRow } from '../../src/protocol/webview';
import { fmt, pct } from '../format';
import { samplePreview, whereLink } from './cells';
import { PanelView } from './panel-view';
import { sharedStyles } from './shared.styles';

export class IlHarmful extends PanelView {
  static override properties = { ...PanelView.properties, count: { state: true }, showHelpful: { state: true } };
  declare count: number | undefined;
  declare showHelpful: boolean;

  constructor() {
    super();
    this.count = undefined;
    this.showHelpful = false;
  }

  static override styles = [
    sharedStyles,
    css`
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
      .thumb {
        width: 28px;
        height: 28px;
        image-rendering: pixelated;
      }
      input[type='number'] {
        width: 6em;
        color: var(--vscode-input-foreground);
        background: var(--vscode-input-background);
        border: 1px solid var(--vscode-input-border, rgba(128, 128, 128, 0.35));
      }
      ol {
        margin: 4px 0;
        padding-left: 2em;
        max-height: 320px;
        overflow: auto;
      }
    `,
  ];

  override render() {
    const issues = this.store.view?.issues;
    if (!issues) return nothing;
    const k = this.count ?? issues.defaultRemoval;
    const r = issues.removal;
    const running = this.store.progress !== undefined;
    const list = this.showHelpful ? issues.helpful : issues.harmful;
    return html`
      <p class="muted" title=${issues.harmfulDefinition}>
        Influence on the whole test set: the predicted change of the total test loss if the sample were removed
        (negative = it hurts the test set).
      </p>
      <div class="toolbar">
        <label
          >Remove the
          <input
            type="number"
            min="1"
            max=${this.store.view?.nTrain ?? 1}
            .value=${String(k)}
            data-role="remove-count"
            @change=${(e: Event) => (this.count = Math.max(1, Math.round(Number((e.target as HTMLInputElement).value)) || issues.defaultRemoval))}
          />
          most harmful and retrain</label
        >
        <vscode-button
          data-role="remove-harmful"
          ?disabled=${running}
          title="Re-runs the analysis on the saved fit, refitting the last layer without these samples; cancel it from the progress notification"
          @click=${() => this.store.post({ type: 'removeHarmful', count: k })}
          >Check</vscode-button
        >
      </div>
      ${
        r
          ? html`<table data-role="removal">
              <tr>
                <th></th>
                <th class="num">before</th>
                <th class="num">predicted after</th>
                <th class="num">actual after</th>
              </tr>
              <tr>
                <td>mean test loss</td>
                <td class="num">${fmt(r.testLossBefore, 4)}</td>
                <td
                  class="num"
                  title=${
                    r.predictedTestLossAfter < 0
                      ? 'A loss cannot fall below 0: too many removed for the first-order prediction to hold'
                      : ''
                  }
                >
                  ${r.predictedTestLossAfter < 0 ? '< 0 (beyond its range)' : fmt(r.predictedTestLossAfter, 4)}
                </td>
                <td class="num">${fmt(r.testLossAfter, 4)}</td>
              </tr>
              <tr>
                <td>test accuracy</td>
                <td class="num">${pct(r.accuracyBefore)}</td>
                <td class="num muted">–</td>
                <td class="num">${pct(r.accuracyAfter)}</td>
              </tr>
              <tr>
                <td colspan="4" class="muted">
                  without the ${r.removed} most harmful samples, last layer refitted; total test loss change predicted
                  ${fmt(r.predictedLossChange, 4)}, actual ${fmt(r.actualLossChange, 4)}
                </td>
              </tr>
            </table>`
          : html`<p class="muted" data-role="removal">Not run for these results.</p>`
      }
      <div class="toolbar">
        <button class="link" data-role="harm-toggle" @click=${() => (this.showHelpful = !this.showHelpful)}>
          show the most ${this.showHelpful ? 'harmful' : 'helpful'}
        </button>
        <span class="muted"
          >${this.showHelpful ? 'most helpful' : `most harmful (${issues.counts.harmful} of ` + `${this.store.view?.nTrain ?? 0} are harmful)`}</span
        >
      </div>
      <ol data-role="harm-list">
        ${list.map((row) => this.item(row))}
      </ol>
    `;
  }

  private item(r: InfluenceRow) {
    return html`<li>
      ${r.sample.thumbnail ? samplePreview(r.sample) : nothing} ${whereLink(this.store, r.sample)}
      <span class="muted">${r.sample.label}</span> <span class="num">${fmt(r.influence, 4)}</span>
      <button class="link" @click=${() => this.store.explain('train', r.sample.id)}>explain</button>
      ${r.sample.thumbnail ? nothing : html`<span class="values">${r.sample.preview ?? ''}</span>`}
    </li>`;
  }
}

customElements.define('il-harmful', IlHarmful);

declare global {
  interface HTMLElementTagNameMap {
    'il-harmful': IlHarmful;
  }
}
