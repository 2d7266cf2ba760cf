/**
 * The relabel picker: a modal list of labels, the most probable out of
 * sample first with their probabilities, then every other class. Arrow keys
 * move, Enter or a click picks, Escape cancels.
 *
 * @tag il-relabel-picker
 * @fires il-pick - {label}: the label picked.
 */
import { css, html, LitElement, nothing } from 'lit';
import type { SampleRow } from '../../src/protocol/webview';
import { sharedStyles } from './shared.styles';

export interface PickerRequest {
  /** What is being relabeled ("dark/07.png", "3 samples"). */
  subject: string;
  /** Its current label (one sample), not offered. */
  current?: string;
  ranked: NonNullable<SampleRow['rankedLabels']>;
  classes: string[];
}

export class IlRelabelPicker extends LitElement {
  static override properties = { request: { attribute: false } };
  declare request: PickerRequest | undefined;

  static override styles = [
    sharedStyles,
    css`
      dialog {
        color: var(--vscode-foreground);
        background: var(--vscode-quickInput-background, var(--vscode-editorWidget-background));
        border: 1px solid var(--vscode-widget-border, var(--vscode-contrastBorder, #888));
        min-width: 280px;
        padding: 8px;
      }
      ul {
        list-style: none;
        margin: 6px 0;
        padding: 0;
        max-height: 50vh;
        overflow: auto;
      }
      button.choice {
        display: flex;
        justify-content: space-between;
        gap: 16px;
        width: 100%;
        text-align: left;
        font: inherit;
        color: inherit;
        background: none;
        border: none;
        padding: 3px 6px;
        cursor: pointer;
      }
      button.choice:focus,
      button.choice:hover {
        background: var(--vscode-list-activeSelectionBackground);
        color: var(--vscode-list-activeSelectionForeground);
        outline: none;
      }
    `,
  ];

  /** Opens the picker for a request. */
  open(request: PickerRequest): void {
    this.request = request;
    void this.updateComplete.then(() => {
      this.renderRoot.querySelector('dialog')?.showModal();
      (this.renderRoot.querySelector('button.choice') as HTMLButtonElement | null)?.focus();
    });
  }

  private choices(): { label: string; probability?: number }[] {
    const r = this.request!;
    const ranked = r.ranked.filter((x) => x.label !== r.current);
    const rest = r.classes
      .filter((c) => c !== r.current && !ranked.some((x) => x.label === c))
      .map((label) => ({ label }));
    return [...ranked, ...rest];
  }

  override render() {
    if (!this.request) return nothing;
    const choices = this.choices();
    return html`<dialog aria-labelledby="picker-h" @keydown=${this.onKey} @close=${() => (this.request = undefined)}>
      <div id="picker-h">
        Relabel
        ${this.request.subject}${this.request.current ? html` <span class="muted">(now ${this.request.current})</span>` : nothing}
        as:
      </div>
      <ul role="listbox" aria-labelledby="picker-h">
        ${choices.map(
          (c) =>
            html`<li role="none">
              <button class="choice" role="option" data-label=${c.label} @click=${() => this.pick(c.label)}>
                <span>${c.label}</span
                ><span class="muted num">${c.probability === undefined ? '' : `p ${c.probability.toFixed(2)}`}</span>
              </button>
            </li>`,
        )}
      </ul>
      <div class="muted">↑/↓ move · Enter picks · Esc cancels</div>
    </dialog>`;
  }

  private onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'j' && e.key !== 'k') return;
    e.preventDefault();
    e.stopPropagation();
    const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('button.choice')];
    const at = buttons.indexOf((this.renderRoot as ShadowRoot).activeElement as HTMLButtonElement);
    const step = e.key === 'ArrowDown' || e.key === 'j' ? 1 : -1;
    buttons[Math.max(0, Math.min(buttons.length - 1, at + step))]?.focus();
  };

  private pick(label: string): void {
    this.renderRoot.querySelector('dialog')?.close();
    this.dispatchEvent(new CustomEvent('il-pick', { detail: { label }, bubbles: true, composed: true }));
  }
}

customElements.define('il-relabel-picker', IlRelabelPicker);

declare global {
  interface HTMLElementTagNameMap {
    'il-relabel-picker': IlRelabelPicker;
  }
}
