/**
 * The results webview panel: owns its lifecycle (createOrShow, revive after a
 * window reload through the WebviewPanelSerializer, dispose list), a strict
 * Content-Security-Policy with a per-load nonce, and resources served only
 * from dist/ and media/ through asWebviewUri. Messages from the page are
 * checked before anyone sees them; the controller decides what they do.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { type HostToWebview, type WebviewToHost, parseWebviewToHost } from '../../protocol/webview';
import { panelHtml } from './panelHtml';

export const VIEW_TYPE = 'influenceLens.results';

export interface PanelHandlers {
  onMessage(message: WebviewToHost): void | Promise<void>;
  onInvalidMessage(error: Error): void;
  onDispose(): void;
}

export class ResultsPanel implements vscode.Disposable {
  private static current: ResultsPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  /** Shows the panel (creating it if needed) beside the active editor. */
  static createOrShow(extensionUri: vscode.Uri, title: string, handlers: PanelHandlers): ResultsPanel {
    if (ResultsPanel.current) {
      ResultsPanel.current.panel.title = title;
      ResultsPanel.current.panel.reveal(undefined, true);
      return ResultsPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      title,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      {
        ...webviewOptions(extensionUri, []),
        // The page rebuilds from the host's messages; keeping a hidden page alive is not worth its memory.
        retainContextWhenHidden: false,
      },
    );
    return (ResultsPanel.current = new ResultsPanel(panel, extensionUri, handlers));
  }

  /** Takes over a panel VS Code restored after a reload. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, handlers: PanelHandlers): ResultsPanel {
    ResultsPanel.current?.dispose();
    return (ResultsPanel.current = new ResultsPanel(panel, extensionUri, handlers));
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly handlers: PanelHandlers,
  ) {
    panel.webview.options = webviewOptions(extensionUri, []);
    panel.webview.html = this.html();
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.webview.onDidReceiveMessage(
      (raw: unknown) => {
        let message: WebviewToHost;
        try {
          message = parseWebviewToHost(raw);
        } catch (error) {
          handlers.onInvalidMessage(error as Error);
          return;
        }
        void handlers.onMessage(message);
      },
      null,
      this.disposables,
    );
  }

  /**
   * Brings a hidden panel to the front without taking focus, e.g. when an
   * explanation arrives while it sits behind an editor. In the active
   * editor's own group it opens beside it, so the file explained from stays
   * in view. (A hidden page also drops messages; it asks again with `ready`.)
   */
  revealIfHidden(): void {
    if (this.panel.visible) return;
    const active = vscode.window.activeTextEditor?.viewColumn;
    const column =
      active !== undefined && this.panel.viewColumn === active ? vscode.ViewColumn.Beside : this.panel.viewColumn;
    this.panel.reveal(column, true);
  }

  private lastSampleColumn: vscode.ViewColumn | undefined;

  /**
   * Where a sample opens: one group beside the panel, reused. The group the
   * last sample went to while it still exists, else any group that is not
   * the panel's (the editor the user came from), else a new one beside it.
   * Before, each open went "beside the active group": with the panel in the
   * second group that made a third, and so on.
   */
  sampleColumn(): vscode.ViewColumn {
    const mine = this.panel.viewColumn;
    const groups = vscode.window.tabGroups.all.map((g) => g.viewColumn);
    if (this.lastSampleColumn !== undefined && this.lastSampleColumn !== mine && groups.includes(this.lastSampleColumn))
      return this.lastSampleColumn;
    return groups.find((c) => c !== mine) ?? vscode.ViewColumn.Beside;
  }

  /** Notes the group a sample just opened in, so the next one goes there too. */
  rememberSampleColumn(): void {
    const column = vscode.window.tabGroups.activeTabGroup.viewColumn;
    if (column !== this.panel.viewColumn) this.lastSampleColumn = column;
  }

  set title(title: string) {
    this.panel.title = title;
  }

  /**
   * Lets the page load files under the dataset's folders (image thumbnails
   * come from the dataset itself) and nothing else of the user's; none for a
   * text dataset.
   */
  allowDatasetFolders(folders: vscode.Uri[]): void {
    const want = webviewOptions(this.extensionUri, folders).localResourceRoots ?? [];
    const have = this.panel.webview.options.localResourceRoots ?? [];
    if (want.length === have.length && want.every((u, i) => u.toString() === have[i].toString())) return;
    this.panel.webview.options = webviewOptions(this.extensionUri, folders);
  }

  /** The URI the page loads a local file by (the file must lie under an allowed root). */
  webviewUri(file: vscode.Uri): string {
    return this.panel.webview.asWebviewUri(file).toString();
  }

  /** Posts a message; false when the page is gone or hidden (it asks again with `ready`). */
  post(message: HostToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    return panelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      script: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      style: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString(),
    });
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ResultsPanel.current === this) ResultsPanel.current = undefined;
    this.handlers.onDispose();
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}

function webviewOptions(
  extensionUri: vscode.Uri,
  datasetRoots: vscode.Uri[],
): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist'),
      vscode.Uri.joinPath(extensionUri, 'media'),
      ...datasetRoots,
    ],
  };
}
