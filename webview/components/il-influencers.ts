/**
 * The influencers of one sample. For a test sample: its prediction and
 * loss, the training samples that support its given label (proponents) and
 * that pull it away from that label (opponents) side by side, and one line
 * on why it matters. Influence is always about the test sample's loss on its
 * *given* label, not on the prediction: for a wrong prediction the
 * proponents argue against what the model predicted. For a training sample:
 * the test samples whose given label it supports and works against most.
 * @tag il-influencers
 */
import { css, html, nothing } from 'lit';
import type { InfluenceRow, SampleRow } from '../../src/protocol/webview';
import { fmt } from '../format';
import { reviewText, samplePreview, whereLink } from './cells';
import { PanelView } from './panel-view';
import { sharedStyles } from './shared.styles';

export class IlInfluencers extends PanelView {
  static override styles = [
    sharedStyles,
    css`
      .sides {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(300px, 1fr));
        gap: 16px;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li {
        display: flex;
        align-items: center;
        gap: 8px;
        padding: 2px 0;
        border-bottom: 1px solid var(--vscode-widget-border, transparent);
      }
      .label {
        flex: none;
        width: 9em;
      }
      .infl {
        margin-left: auto;
        flex: none;
      }
      .subject {
        display: flex;
        align-items: center;
        gap: 10px;
      }
      .subject .thumb {
        width: 64px;
        height: 64px;
      }
      .why {
        font-size: 1.05em;
        margin: 8px 0;
      }
    `,
  ];

  override render() {
    const e = this.store.explanation;
    if (!e) {
      return html`<p class="muted">
        Choose a test sample (Test samples tab, or "Explain this prediction" on a file) to see the training samples that
        helped and hurt its prediction.
      </p>`;
    }
    const s = e.sample;
    const isTest = s.split === 'test';
    return html`
      <section aria-labelledby="subject-h">
        <h2 id="subject-h">${isTest ? 'Test' : 'Training'} sample ${whereLink(this.store, s)}</h2>
        <div class="subject">
          ${samplePreview(s)}
          <div>
            labeled <strong>${s.label}</strong>, predicted
            <strong class=${s.label !== s.predicted ? 'wrong' : ''}>${s.predicted}</strong>, loss
            ${fmt(s.loss)}${s.review ? html` · <span class="pill">${reviewText(s.review)}</span>` : nothing}
          </div>
        </div>
        ${e.why ? html`<p class="why" data-role="why">${e.why}</p>` : nothing}
        ${e.note ? html`<p class="muted">${e.note}</p>` : nothing}
      </section>
      <div class="sides">
        ${this.side(isTest ? `Proponents: training samples that support its label ${s.label}` : 'Test samples whose given label it supports', e.proponents, 'proponents', isTest)}
        ${this.side(isTest ? `Opponents: training samples that pull it away from ${s.label}` : 'Test samples it pulls away from their given label', e.opponents, 'opponents', isTest)}
      </div>
      <p class="muted" data-role="influence-meaning">
        ${
          isTest
            ? `Influence: how much this test sample's loss on its given label ` +
              `${s.label} would rise if the training sample were removed (negative: ` +
              `it would ` +
              `fall)${s.label !== s.predicted ? `. The pull toward ${s.predicted} comes from the opponents` : ''}.`
            : "Influence: how much the test sample's loss on its given label would " +
              'rise if this training sample were removed (negative: it would fall).'
        }
      </p>
    `;
  }

  private side(title: string, rows: InfluenceRow[], role: string, isTest: boolean) {
    return html`<section aria-label=${title} data-role=${role}>
      <h3>${title}</h3>
      ${
        rows.length === 0
          ? html`<p class="muted">none</p>`
          : html`<ol>
              ${rows.map((r) => this.item(r.sample, r.influence, isTest))}
            </ol>`
      }
    </section>`;
  }

  private item(sample: SampleRow, influence: number, isTest: boolean) {
    return html`<li>
      ${samplePreview(sample)} ${whereLink(this.store, sample)}
      <span class="label"
        >${sample.label}${sample.likelyLabelIssue ? html` <span class="pill" title="a suspected mislabel">suspect</span>` : nothing}</span
      >
      <span
        class="infl num"
        title=${
          isTest
            ? "predicted rise of the test sample's loss on its given label if this training sample were removed"
            : "predicted rise of this test sample's loss on its given label if the training sample were removed"
        }
        >${fmt(influence)}</span
      >
    </li>`;
  }
}

customElements.define('il-influencers', IlInfluencers);

declare global {
  interface HTMLElementTagNameMap {
    'il-influencers': IlInfluencers;
  }
}
