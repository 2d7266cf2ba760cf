/**
 * Given labels (rows) against suggested labels (columns) over every training
 * sample. Off-diagonal cells are where the held-out models disagree with the
 * data; clicking a cell filters the suspect list to that pair.
 *
 * @tag il-confusion
 * @fires il-cell - {given, suggested}: a cell was chosen.
 */
import { css, html, LitElement } from 'lit';
import { sharedStyles } from './shared.styles';

export class IlConfusion extends LitElement {
  static override properties = {
    classes: { attribute: false },
    counts: { attribute: false },
    given: { attribute: false },
    suggested: { attribute: false },
  };
  declare classes: string[];
  declare counts: number[][];
  declare given: string | undefined;
  declare suggested: string | undefined;

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        overflow: auto;
        max-height: 40vh;
        margin: 4px 0 8px;
      }
      table {
        border-collapse: collapse;
      }
      th,
      td {
        padding: 0;
        text-align: right;
        border: 1px solid var(--vscode-widget-border, rgba(128, 128, 128, 0.3));
      }
      th {
        padding: 1px 6px;
        font-weight: normal;
        color: var(--vscode-descriptionForeground);
      }
      td button {
        font: inherit;
        color: inherit;
        background: none;
        border: none;
        width: 100%;
        padding: 1px 8px;
        cursor: pointer;
        font-variant-numeric: tabular-nums;
      }
      td.off button {
        color: var(--vscode-charts-orange, #d18616);
        font-weight: 600;
      }
      td.zero button {
        color: var(--vscode-disabledForeground, var(--vscode-descriptionForeground));
        font-weight: normal;
      }
      td.chosen {
        outline: 2px solid var(--vscode-focusBorder);
      }
    `,
  ];

  override render() {
    return html`<table aria-label="Given label (rows) against suggested label (columns)">
      <thead>
        <tr>
          <th scope="col">given ↓ / suggested →</th>
          ${this.classes.map((c) => html`<th scope="col">${c}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${this.classes.map(
          (given, g) =>
            html`<tr>
              <th scope="row">${given}</th>
              ${this.classes.map((suggested, s) => {
                const n = this.counts[g]?.[s] ?? 0;
                const cls = [
                  g !== s ? 'off' : '',
                  n === 0 ? 'zero' : '',
                  given === this.given && suggested === this.suggested ? 'chosen' : '',
                ].join(' ');
                return html`<td class=${cls}>
                  <button
                    aria-label=${`${n} samples labeled ${given}, suggested ${suggested}`}
                    @click=${() => this.choose(given, suggested)}
                  >
                    ${n}
                  </button>
                </td>`;
              })}
            </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private choose(given: string, suggested: string): void {
    this.dispatchEvent(new CustomEvent('il-cell', { detail: { given, suggested }, bubbles: true, composed: true }));
  }
}

customElements.define('il-confusion', IlConfusion);

declare global {
  interface HTMLElementTagNameMap {
    'il-confusion': IlConfusion;
  }
}
