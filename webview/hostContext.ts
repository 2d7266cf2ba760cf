/**
 * What the page's store needs from the extension host, apart from how it is
 * reached (webview/host.ts connects it to acquireVsCodeApi). No DOM here, so
 * the store can be tested in plain Node with a stand-in.
 */
import type { HostToWebview, PanelState, WebviewToHost } from '../src/protocol/webview';

export interface HostContext {
  post(message: WebviewToHost): void;
  /**
   * Checked messages go to `handler`; one that fails the check is dropped,
   * and `onInvalid` hears of it (its type, if it had one, and why), so the
   * panel can say it could not show something instead of staying blank.
   */
  onMessage(
    handler: (message: HostToWebview) => void,
    onInvalid?: (type: string | undefined, why: string) => void,
  ): void;
  saveState(state: PanelState): void;
  /** What the page saved before it was hidden or the window reloaded (undefined: nothing valid). */
  loadState(): PanelState | undefined;
}
