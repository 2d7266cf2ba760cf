/**
 * One set of duplicates side by side (issue 17): images as thumbnails, rows
 * as aligned records (one under the other, in the same columns), each with
 * its split and label, whether it is an exact copy or a near one, and
 * "open both" (every member, each beside the panel).
 * @tag il-duplicate-set
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { css, html, LitElement, nothing } from 'lit';
import type { IssuesView } from '../../src/protocol/webview';
import type { PanelStore } from '../store';
import { samplePreview, whereLink } from './cells';
import { sharedStyles } from './shared.styles';

type DuplicateSet = IssuesView['duplicateSets'][number];

export class IlDuplicateSet extends LitElement {
  static override properties = { store: { attribute: false }, set: { attribute: false } };
  declare store: PanelStore;
  declare set: DuplicateSet;

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        border: 1px solid var(--vscode-widget-border, rgba(128, 128, 128, 0.35));
        padding: 4px 6px;
        margin: 4px 0;
      }
      .members {
        display: flex;
        flex-wrap: wrap;
        gap: 10px;
      }
      .members.rows {
        display: grid;
        grid-template-columns: max-content max-content 1fr;
        gap: 2px 10px;
        font-family: var(--vscode-editor-font-family, monospace);
      }
      figure {
        margin: 0;
        display: flex;
        flex-direction: column;
        align-items: center;
      }
      .thumb {
        width: 64px;
        height: 64px;
        image-rendering: pixelated;
        object-fit: contain;
      }
      .tag {
        font-weight: 600;
      }
      .differs {
        color: var(--vscode-errorForeground);
      }
    `,
  ];

  override render() {
    const s = this.set;
    if (!s) return nothing;
    const labels = new Set(s.members.map((m) => m.label));
    const kind = `${s.exact ? 'exact copies' : 'near-duplicates'}${s.leakage ? ' · train/test leakage' : ''}${s.labelConflict ? ' · different labels' : ''}`;
    const images = s.members.some((m) => m.thumbnail);
    return html`
      <div class="toolbar">
        <span class="tag" data-role="set-kind">${kind}</span>
        <span class="muted">${s.size} samples${s.size > s.members.length ? ` (showing ${s.members.length})` : ''}</span>
        <vscode-button
          secondary
          data-role="open-both"
          @click=${() => this.store.post({ type: 'openSamples', samples: s.members.map((m) => ({ split: m.split, id: m.id })) })}
        >
          ${s.members.length === 2 ? 'Open both' : 'Open all'}
        </vscode-button>
      </div>
      ${
        images
          ? html`<div class="members">
              ${s.members.map(
                (m) =>
                  html`<figure data-role="member">
                    ${samplePreview(m)}
                    <figcaption>
                      ${m.split} · <span class=${labels.size > 1 ? 'differs' : ''}>${m.label}</span
                      ><br />${whereLink(this.store, m)}
                    </figcaption>
                  </figure>`,
              )}
            </div>`
          : html`<div class="members rows">
              ${s.members.map(
                (m) =>
                  html`<span data-role="member">${m.split}</span
                    ><span class=${labels.size > 1 ? 'differs' : ''}>${m.label}</span>
                    <span>${whereLink(this.store, m)} <span class="values">${m.preview ?? ''}</span></span>`,
              )}
            </div>`
      }
    `;
  }
}

customElements.define('il-duplicate-set', IlDuplicateSet);

declare global {
  interface HTMLElementTagNameMap {
    'il-duplicate-set': IlDuplicateSet;
  }
}
