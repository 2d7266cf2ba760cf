/**
 * The review panel: a header (dataset, stale and progress banners, the
 * actions on the whole analysis), tabs for the overview, the suspected
 * mislabels, the test samples and a sample's influencers, and the keyboard
 * shortcuts. It owns the store's subscription and hands every view a new
 * `rev` when anything changes.
 * @tag il-app
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import { css, html, LitElement, nothing } from 'lit';
import { TABS, type Tab } from '../../src/protocol/webview';
import { assessTrust } from '../format';
import type { PanelStore } from '../store';
import './il-influencers';
import './il-issues';
import './il-overview';
import './il-suspects';
import './il-tests';
import { sharedStyles } from './shared.styles';

const TAB_TITLES: Record<Tab, string> = {
  overview: 'Overview',
  issues: 'Issues',
  suspects: 'Suspected mislabels',
  tests: 'Test samples',
  influencers: 'Influencers',
};
/**
 * In a narrow panel (beside an editor) the tab row must fit: shorter titles (the tab's name for a screen reader stays
 * the long one).
 */
const SHORT_TITLES: Record<Tab, string> = {
  overview: 'Overview',
  issues: 'Issues',
  suspects: 'Suspects',
  tests: 'Tests',
  influencers: 'Influencers',
};

export const SHORTCUTS: [string, string][] = [
  ['j / k', 'next / previous row'],
  ['o', 'open the sample'],
  ['r', 'relabel…'],
  ['x', 'not an issue'],
  ['c', 'confirmed mislabel'],
  ['u', 'clear the review'],
  ['e', 'explain'],
  ['a', 'accept the suggestion'],
  ['d', 'details'],
  ['space', 'select'],
  ['shift+j / k', 'select a range'],
  ['Ctrl+A', 'select all'],
  ['Esc', 'deselect all'],
];

export class IlApp extends LitElement {
  static override properties = { store: { attribute: false }, rev: { state: true } };
  declare store: PanelStore;
  declare rev: number;
  private unsubscribe: (() => void) | undefined;

  constructor() {
    super();
    this.rev = 0;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100vh;
        box-sizing: border-box;
        padding: 0 12px 8px;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 12px;
      }
      h1 {
        font-size: 1.3em;
        margin: 10px 0 4px;
      }
      .banner {
        display: flex;
        align-items: center;
        gap: 8px;
        padding: 4px 8px;
        margin: 4px 0;
        border: 1px solid var(--vscode-inputValidation-warningBorder, #b89500);
        background: var(--vscode-inputValidation-warningBackground, transparent);
      }
      .banner.info {
        border-color: var(--vscode-inputValidation-infoBorder, #007acc);
        background: var(--vscode-inputValidation-infoBackground, transparent);
      }
      /*
       * The tabs take what the header, banners and key legend leave: the page is one column that never scrolls
       * as a whole, so the legend cannot draw over the list (before: a fixed calc(100vh - 150px) overflowed as soon
       * as a banner or a wrapped header took more room).
       */
      vscode-tabs {
        flex: 1;
        min-height: 0;
        display: flex;
        flex-direction: column;
      }
      vscode-tab-panel {
        flex: 1;
        min-height: 0;
      }
      .panel {
        display: flex;
        flex-direction: column;
        height: 100%;
        min-height: 0;
        overflow: auto;
      }
      .short {
        display: none;
      }
      @media (max-width: 560px) {
        .long {
          display: none;
        }
        .short {
          display: inline;
        }
      }
      .panel.list {
        overflow: hidden;
      }
      header,
      .banner,
      footer {
        flex: none;
      }
      footer {
        font-size: 0.9em;
        margin-top: 4px;
        max-height: 4.5em;
        overflow: auto;
      }
      kbd {
        font-family: var(--vscode-editor-font-family, monospace);
        border: 1px solid var(--vscode-widget-border, rgba(128, 128, 128, 0.4));
        border-radius: 3px;
        padding: 0 3px;
      }
      .actions {
        margin-left: auto;
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        min-width: 0;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.unsubscribe = this.store.subscribe(() => this.rev++);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  override render() {
    const s = this.store;
    const v = s.view;
    if (!v) {
      return s.problem
        ? html`<div class="banner" role="alert" data-role="problem">${s.problem}</div>
            ${this.progress()}`
        : html`<p class="muted" role="status" data-role="empty">${s.empty ?? 'Waiting for results…'}</p>
            ${this.progress()}`;
    }
    const selectedIndex = TABS.indexOf(s.tab);
    return html`
      <header>
        <h1>Influence Lens — ${v.datasetName}</h1>
        <span class="muted"
          >${v.nTrain} training · ${v.nTest} test · ${v.classes.length} classes · ${v.model} ·
          ${assessTrust(v.reliability, v.hiddenLayers).badge}</span
        >
        <span class="actions">
          <vscode-button secondary @click=${() => s.post({ type: 'rerun' })}>Re-run</vscode-button>
          <vscode-button secondary @click=${() => s.post({ type: 'exportReviews', format: 'csv' })}
            >Export reviews (CSV)</vscode-button
          >
          <vscode-button secondary @click=${() => s.post({ type: 'exportReviews', format: 'json' })}
            >Export reviews (JSON)</vscode-button
          >
        </span>
      </header>
      ${
        v.stale
          ? html`<div class="banner" role="alert" data-role="stale">
              The dataset changed since this analysis: these results are stale.
              <vscode-button @click=${() => s.post({ type: 'rerun' })}>Re-run now</vscode-button>
            </div>`
          : nothing
      }
      ${s.problem ? html`<div class="banner" role="alert" data-role="problem">${s.problem}</div>` : nothing}
      ${this.progress()}
      <vscode-tabs
        selected-index=${selectedIndex}
        @vsc-tabs-select=${(e: CustomEvent<{ selectedIndex: number }>) => this.onTab(e.detail.selectedIndex)}
      >
        ${TABS.map((tab) => html`<vscode-tab-header slot="header" data-tab=${tab} aria-label=${TAB_TITLES[tab]}><span class="long">${TAB_TITLES[tab]}</span><span class="short">${SHORT_TITLES[tab]}</span></vscode-tab-header>`)}
        ${TABS.map((tab) => html`<vscode-tab-panel>${tab === s.tab ? this.tabContent(tab) : nothing}</vscode-tab-panel>`)}
      </vscode-tabs>
      <footer class="muted" aria-label="Keyboard shortcuts in the lists">
        ${SHORTCUTS.map(([key, what]) => html`<kbd>${key}</kbd> ${what} · `)}<kbd>Enter</kbd> open / influencers
      </footer>
    `;
  }

  private tabContent(tab: Tab) {
    const s = this.store;
    switch (tab) {
      case 'overview':
        return html`<div class="panel"><il-overview .store=${s} .rev=${this.rev}></il-overview></div>`;
      case 'issues':
        return html`<div class="panel"><il-issues .store=${s} .rev=${this.rev}></il-issues></div>`;
      case 'suspects':
        return html`<div class="panel list"><il-suspects .store=${s} .rev=${this.rev}></il-suspects></div>`;
      case 'tests':
        return html`<div class="panel list"><il-tests .store=${s} .rev=${this.rev}></il-tests></div>`;
      case 'influencers':
        return html`<div class="panel"><il-influencers .store=${s} .rev=${this.rev}></il-influencers></div>`;
    }
  }

  private progress() {
    const p = this.store.progress;
    if (!p) return nothing;
    const amount = p.total ? ` ${Math.round(p.done ?? 0)}/${Math.round(p.total)}` : '';
    return html`<div class="banner info" role="status" data-role="progress">
      <vscode-progress-ring></vscode-progress-ring> Analysis running: ${p.stage ?? 'starting'}${amount}
      ${p.message ?? ''}
    </div>`;
  }

  private onTab(index: number): void {
    const tab = TABS[index];
    if (tab && tab !== this.store.tab) this.store.setTab(tab);
  }
}

customElements.define('il-app', IlApp);

declare global {
  interface HTMLElementTagNameMap {
    'il-app': IlApp;
  }
}
