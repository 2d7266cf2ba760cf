/**
 * Runs the review panel as shipped (dist/webview.js under the page and CSP
 * the extension serves, src/host/panel/panelHtml.ts) in headless Chromium, with a
 * stand-in for VS Code: acquireVsCodeApi is replaced before the page's
 * script runs, and the host's side is played by the extension's own pure
 * code (message checking, row queries, results view, explanations) over a
 * fixture results file. Tests click and type with Playwright and assert on
 * the DOM and on the messages the page sent.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Frame, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import type { ResultsFile } from '../../src/compute/results/schema';
import { panelHtml } from '../../src/host/panel/panelHtml';
import { buildExplanation, buildResultsView, ResultsIndex } from '../../src/host/panel/resultsView';
import { RowQueries } from '../../src/host/panel/rowQuery';
import { buildDetail, readRecord } from '../../src/host/panel/sampleDetail';
import { buildIssuesView } from '../../src/host/panel/issuesView';
import {
  type HostToWebview,
  type PanelState,
  parseWebviewToHost,
  type WebviewToHost,
} from '../../src/protocol/webview';
import { CHROMIUM, CHROMIUM_ARGS } from '../integration/codeServer';

const REPO = path.resolve(__dirname, '../..');
/** The page's origin; stands in for the webview's resource origin (cspSource). */
export const ORIGIN = 'https://panel.test';

/** Polls `check` every 50 ms until it holds; fails naming `what` after `timeout` ms. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeout = 10_000,
): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A note longer than any list row shows: the detail pane shows all of it. */
export const NOTE =
  'a long free-text note about this sample that goes on well past what a ' +
  'list row can show, so that only the detail pane shows where it ends:';

/** A 16×16 gray PNG whose shade depends on the path, for thumbnails. */
function thumbnail(p: string): Buffer {
  const png = new PNG({ width: 16, height: 16 });
  let shade = 0;
  for (const ch of p) shade = (shade * 31 + ch.charCodeAt(0)) % 256;
  for (let i = 0; i < 256; i++) png.data.set([shade, shade, 255 - shade, 255], i * 4);
  return PNG.sync.write(png);
}

export interface PanelOptions {
  /** Saved page state, as VS Code would hand it back after a reload. */
  state?: PanelState;
  /** Do not answer requests (to look at the page before rows arrive). */
  silent?: boolean;
  viewport?: { width: number; height: number };
  /**
   * What the host says "Undo last relabel" would undo (absent: nothing), sent with the results like the real host does.
   */
  undo?: string;
}

/** One panel page with its fake host. */
export class PanelUnderTest {
  /** Every message the page sent, checked like the real panel checks them. */
  readonly sent: WebviewToHost[] = [];
  /** Messages that failed the check (the real panel logs and drops them). */
  readonly rejected: unknown[] = [];
  readonly consoleErrors: string[] = [];
  private readonly index: ResultsIndex;
  private readonly queries: RowQueries;
  private stale = false;
  state: PanelState | undefined;
  /** The dataset's text files as the fake host reads them (CSV fixtures: every record at its line, all its columns). */
  readonly files = new Map<string, string>();

  private constructor(
    readonly page: Page,
    readonly results: ResultsFile,
    private readonly options: PanelOptions,
  ) {
    this.index = new ResultsIndex(results);
    const thumbnails = results.dataset.format === 'imagefolder';
    this.queries = new RowQueries(
      this.index,
      new Map(),
      thumbnails ? { thumbnail: (s) => `${ORIGIN}/data/${s.path}` } : {},
    );
    this.state = options.state;
    if (results.dataset.format === 'csv') {
      const lines = new Map<string, string[]>();
      for (const r of [...results.train, ...results.test]) {
        const file = lines.get(r.source.path) ?? ['x,y,note,label'];
        // A long note: the list cuts it, the detail pane must not.
        file[r.source.line! - 1] =
          `${(r.id * 0.37).toFixed(2)},${(r.id * 1.3).toFixed(1)},"${NOTE} ${r.id}",${r.label}`;
        lines.set(r.source.path, file);
      }
      for (const [file, text] of lines) this.files.set(file, [...text].map((l) => l ?? '').join('\n') + '\n');
    }
  }

  static async open(browser: Browser, results: ResultsFile, options: PanelOptions = {}): Promise<PanelUnderTest> {
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1200, height: 800 } });
    const panel = new PanelUnderTest(page, results, options);
    await panel.wire();
    await page.goto(`${ORIGIN}/index.html`);
    await panel
      .frame()
      .locator('il-app')
      .waitFor({ state: 'attached', timeout: 10_000 })
      .catch((e: Error) => {
        throw new Error(`${e.message}\npage errors: ${panel.consoleErrors.join('\n')}`);
      });
    return panel;
  }

  frame(): Frame {
    return this.page.mainFrame();
  }

  private async wire(): Promise<void> {
    const page = this.page;
    page.on('console', (m) => {
      if (m.type() === 'error') this.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => this.consoleErrors.push(`pageerror: ${e.message}`));
    await page.exposeFunction('__toHost', (raw: unknown) => this.receive(raw));
    await page.exposeFunction('__saveState', (s: PanelState) => (this.state = s));
    // Runs before the page's own script, outside its CSP: the stand-in for the VS Code webview API.
    // A string, not a function: tsx would wrap a function's inner functions in a helper the page lacks.
    await page.addInitScript(`
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber + ' sample ' + e.sample));
      let state = ${JSON.stringify(this.options.state ?? null)} ?? undefined;
      window.acquireVsCodeApi = () => ({
        postMessage: (m) => window.__toHost(m),
        getState: () => state,
        setState: (s) => { state = s; window.__saveState(s); },
      });
    `);
    const nonce = 'dGVzdC1ub25jZQ==';
    const html = panelHtml({
      cspSource: ORIGIN,
      nonce,
      script: `${ORIGIN}/dist/webview.js`,
      style: `${ORIGIN}/media/panel.css`,
    });
    const theme = readFileSync(path.join(__dirname, 'theme-dark.css'), 'utf8');
    await page.route(`${ORIGIN}/**`, async (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
      if (url.pathname === '/dist/webview.js')
        return route.fulfill({
          contentType: 'text/javascript',
          body: readFileSync(path.join(REPO, 'dist/webview.js')),
        });
      // VS Code injects the theme's variables into the page; the harness adds them to the stylesheet.
      if (url.pathname === '/media/panel.css')
        return route.fulfill({
          contentType: 'text/css',
          body: theme + readFileSync(path.join(REPO, 'media/panel.css'), 'utf8'),
        });
      if (url.pathname.startsWith('/data/'))
        return route.fulfill({ contentType: 'image/png', body: thumbnail(url.pathname) });
      return route.fulfill({ status: 404, body: '' });
    });
    // Anything else (a remote origin) must never be asked for.
    await page.route(
      (url) => !url.href.startsWith(ORIGIN) && !url.href.startsWith('data:'),
      (route) => {
        this.consoleErrors.push(`request outside the panel: ${route.request().url()}`);
        return route.abort();
      },
    );
  }

  private receive(raw: unknown): void {
    let message: WebviewToHost;
    try {
      message = parseWebviewToHost(raw);
    } catch {
      this.rejected.push(raw);
      return;
    }
    this.sent.push(message);
    if (this.options.silent) return;
    switch (message.type) {
      case 'ready':
        this.reply({
          type: 'results',
          view: {
            ...buildResultsView(this.results, '/data/pets', this.stale),
            ...buildIssuesView(this.index, new Map(), this.decor()),
          },
        });
        this.reply(
          this.options.undo
            ? { type: 'undo', available: true, what: this.options.undo }
            : { type: 'undo', available: false },
        );
        return;
      case 'queryRows':
        this.reply({
          type: 'rows',
          requestId: message.requestId,
          ...this.queries.page(message.query, message.offset, message.count),
        });
        return;
      case 'explain': {
        const view = buildExplanation(
          this.index,
          message.split,
          message.id,
          new Map(),
          this.results.dataset.format === 'imagefolder' ? { thumbnail: (s) => `${ORIGIN}/data/${s.path}` } : {},
        );
        if (view) this.reply({ type: 'explanation', view });
        return;
      }
      case 'queryIds': {
        const ids = this.queries.ids(message.query);
        this.reply({
          type: 'ids',
          requestId: message.requestId,
          total: ids.length,
          offset: message.offset,
          ids: ids.slice(message.offset, message.offset + message.count),
        });
        return;
      }
      case 'detail': {
        const record = this.index.record(message.split, message.id);
        if (!record) return;
        const text = this.files.get(record.source.path);
        const content =
          text !== undefined && record.source.line
            ? readRecord(text, 'csv', record.source.path, record.source.line)
            : undefined;
        const decor =
          this.results.dataset.format === 'imagefolder'
            ? { thumbnail: (s: { path: string }) => `${ORIGIN}/data/${s.path}` }
            : {};
        const image =
          this.results.dataset.format === 'imagefolder' ? `${ORIGIN}/data/${record.source.path}` : undefined;
        const view = buildDetail(this.index, message.split, message.id, new Map(), decor, content, image);
        if (view) this.reply({ type: 'detail', view });
        return;
      }
      case 'setReview': {
        const states = message.state ? message.ids.map((id) => ({ id, state: message.state! })) : [];
        this.reply({ type: 'reviews', states });
        return;
      }
    }
  }

  /**
   * An answer the fake host sends unprompted by the test. Nobody awaits it, so a page closed while it is in flight
   * (the test ended first) must not become an unhandled rejection that fails the whole file; any other failure is
   * kept with the page's errors, which every test checks.
   */
  private reply(message: HostToWebview): void {
    this.send(message).catch((e: Error) => {
      const closed = this.page.isClosed() || /has been closed/.test(e.message);
      if (!closed) this.consoleErrors.push(`host reply failed: ${e.message}`);
    });
  }

  /** A message from the host to the page (unchecked here: the page checks it). */
  send(message: HostToWebview | Record<string, unknown>): Promise<void> {
    return this.page.evaluate((m) => window.postMessage(m, '*'), message as unknown as Record<string, unknown>);
  }

  private decor() {
    return this.results.dataset.format === 'imagefolder'
      ? { thumbnail: (s: { path: string }) => `${ORIGIN}/data/${s.path}` }
      : {};
  }

  sentOf<T extends WebviewToHost['type']>(type: T): Extract<WebviewToHost, { type: T }>[] {
    return this.sent.filter((m): m is Extract<WebviewToHost, { type: T }> => m.type === type);
  }

  async cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
