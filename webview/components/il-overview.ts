/**
 * The overview: what was analyzed (dataset, model, method), how many label
 * errors are estimated, how far to trust the influence numbers (the badge
 * opens the predicted-vs-actual scatter plot), and the suspicion histogram.
 * @tag il-overview
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { css, html, nothing } from 'lit';
import { assessTrust, fmt, pct, topShare } from '../format';
import './il-charts';
import { PanelView } from './panel-view';
import { sharedStyles } from './shared.styles';

export class IlOverview extends PanelView {
  static override styles = [
    sharedStyles,
    css`
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 2px 12px;
        margin: 6px 0;
      }
      dt {
        color: var(--vscode-descriptionForeground);
      }
      dd {
        margin: 0;
      }
      .cards {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
        gap: 16px;
      }
      .badge {
        font: inherit;
        cursor: pointer;
        border-radius: 10px;
        padding: 1px 10px;
        border: 1px solid var(--vscode-contrastBorder, transparent);
        color: var(--vscode-badge-foreground);
        background: var(--vscode-badge-background);
      }
      .badge.high {
        background: var(--vscode-testing-iconPassed, #388a34);
        color: var(--vscode-editor-background);
      }
      .badge.moderate {
        background: var(--vscode-charts-yellow, #cca700);
        color: var(--vscode-editor-background);
      }
      .badge.low {
        background: var(--vscode-errorForeground, #f14c4c);
        color: var(--vscode-editor-background);
      }
      .big {
        font-size: 1.6em;
        font-weight: 600;
      }
      dialog {
        color: var(--vscode-foreground);
        background: var(--vscode-editorWidget-background, var(--vscode-editor-background));
        border: 1px solid var(--vscode-widget-border, var(--vscode-contrastBorder, #888));
        width: min(640px, 90vw);
      }
      dialog::backdrop {
        background: rgba(0, 0, 0, 0.4);
      }
      ul.warnings {
        margin: 4px 0;
        padding-left: 18px;
        color: var(--vscode-editorWarning-foreground);
      }
    `,
  ];

  override render() {
    const v = this.store.view;
    if (!v) return nothing;
    const trust = assessTrust(v.reliability, v.hiddenLayers);
    return html`
      <div class="cards">
        <section aria-labelledby="data-h">
          <h2 id="data-h">Data and model</h2>
          <dl>
            <dt>dataset</dt>
            <dd>${v.datasetName} (${v.format})</dd>
            <dt>samples</dt>
            <dd>${v.nTrain} training, ${v.nTest} test</dd>
            ${
              v.testSource
                ? html`<dt>test set</dt>
                    <dd data-testid="test-set">${v.testSource}</dd>`
                : nothing
            }
            <dt>classes</dt>
            <dd>${v.classes.length}: ${v.classes.slice(0, 12).join(', ')}${v.classes.length > 12 ? ', …' : ''}</dd>
            <dt>model</dt>
            <dd>${v.model}, ${v.parameters.toLocaleString('en-US')} parameters, on ${v.backend}</dd>
            <dt>accuracy</dt>
            <dd>train ${pct(v.trainAccuracy)}, test ${pct(v.testAccuracy)}</dd>
            ${
              v.modelReason
                ? html`<dt>model choice</dt>
                    <dd data-role="model-reason">${v.modelReason}</dd>`
                : nothing
            }
            <dt>influence</dt>
            <dd>${v.method}</dd>
            <dt>analyzed</dt>
            <dd>${new Date(v.createdAt).toLocaleString()}</dd>
          </dl>
          ${
            v.warnings.length
              ? html`<ul class="warnings" aria-label="Warnings">
                  ${v.warnings.map((w) => html`<li>${w}</li>`)}
                </ul>`
              : nothing
          }
          ${
            v.notes?.length
              ? html`<ul class="warnings" aria-label="Left out of the panel" data-role="notes">
                  ${v.notes.map((n) => html`<li>${n}</li>`)}
                </ul>`
              : nothing
          }
        </section>
        <section aria-labelledby="issues-h">
          <h2 id="issues-h">Label errors</h2>
          <p>
            <span class="big" data-role="estimated">${v.estimatedIssues}</span> estimated among ${v.nTrain} training
            samples
            (${pct(v.nTrain ? v.estimatedIssues / v.nTrain : null)})${
              v.estimatedRange && v.estimatedRange.high > v.estimatedRange.low
                ? html`,
                    <span data-role="estimated-range">likely ${v.estimatedRange.low}–${v.estimatedRange.high}</span>`
                : nothing
            }.
          </p>
          <vscode-button @click=${() => this.store.setTab('suspects')}>Review suspects</vscode-button>
          <h3>How far to trust the influence numbers</h3>
          <p>
            <button
              class="badge ${trust.level}"
              data-role="trust"
              aria-haspopup="dialog"
              title=${v.reliability ? 'Show predicted against actual (scatter plot)' : 'Not checked yet: run the reliability check'}
              @click=${() => this.openScatter()}
            >
              ${trust.badge}
            </button>
          </p>
          <p data-role="trust-sentence">${trust.sentence}</p>
          ${v.reliability?.warning ? html`<p class="wrong">${v.reliability.warning}</p>` : nothing}
          ${
            v.reliability
              ? nothing
              : html`<vscode-button
                  secondary
                  data-role="run-check"
                  @click=${() => this.store.post({ type: 'checkReliability' })}
                  >Run the reliability check</vscode-button
                >`
          }
        </section>
      </div>
      <section aria-labelledby="hist-h">
        <h2 id="hist-h">Suspicion score of every training sample</h2>
        <p class="muted" data-role="suspicion-meaning">
          ${
            v.suspicionExplanation ??
            `The score is the weighted mean of each sample's rank percentiles on three signals
          (out-of-sample disagreement with its label, training loss, self-influence).`
          }
          It orders the samples; it is not a probability, and its spread is near even by construction. The lists show
          each sample's rank instead ("top 3%").
          ${
            v.suspicionHistogram.cut === null
              ? 'No label errors estimated.'
              : `Samples right of the dashed line (score ≥ ` +
                `${fmt(v.suspicionHistogram.cut, 2)}) are the ${v.estimatedIssues} ` +
                `estimated label errors, the ${topShare(v.estimatedIssues, v.nTrain)} ` +
                `by rank.`
          }
        </p>
        <il-histogram .counts=${v.suspicionHistogram.counts} .cut=${v.suspicionHistogram.cut}></il-histogram>
      </section>
      ${
        v.reliability
          ? html`<dialog aria-labelledby="scatter-h" @close=${() => this.requestUpdate()}>
              <h2 id="scatter-h">Influence against retraining</h2>
              <p>${trust.sentence}</p>
              <p class="muted">
                Each point is one training sample removed
                (${v.reliability.retrain === 'full' ? 'whole network' : 'last layer'} retrained) and one test sample's
                change of loss. Points on the dashed line are predicted
                exactly.${
                  v.reliability.pairs.length < v.reliability.points
                    ? ` The plot shows ${v.reliability.pairs.length.toLocaleString('en-US')} ` +
                      `of the ${v.reliability.points.toLocaleString('en-US')} pairs.`
                    : ''
                }
              </p>
              <il-scatter .pairs=${v.reliability.pairs}></il-scatter>
              <form method="dialog">
                <vscode-button type="submit" @click=${() => this.closeScatter()}>Close</vscode-button>
              </form>
            </dialog>`
          : nothing
      }
    `;
  }

  /**
   * The scatter plot; before a check there is none, and the badge points at the button that runs one (a long job is
   * never started by a badge).
   */
  private openScatter(): void {
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog) dialog.showModal();
    else (this.renderRoot.querySelector('[data-role=run-check]') as HTMLElement | null)?.focus();
  }

  private closeScatter(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }
}

customElements.define('il-overview', IlOverview);

declare global {
  interface HTMLElementTagNameMap {
    'il-overview': IlOverview;
  }
}
