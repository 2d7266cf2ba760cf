/**
 * The page's only door to the extension host: typed, checked messages and
 * the persisted state. Components never call acquireVsCodeApi themselves;
 * they get a HostContext, so a test can hand them a stand-in (DESIGN.md §6).
 */
import { checkPanelState, type HostToWebview, type PanelState, parseHostToWebview, type WebviewToHost } from '../src/protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface HostContext {
  post(message: WebviewToHost): void;
  /**
   * Checked messages go to `handler`; one that fails the check is dropped,
   * and `onInvalid` hears of it (its type, if it had one, and why), so the
   * panel can say it could not show something instead of staying blank.
   */
  onMessage(handler: (message: HostToWebview) => void, onInvalid?: (type: string | undefined, why: string) => void): void;
  saveState(state: PanelState): void;
  /** What the page saved before it was hidden or the window reloaded (undefined: nothing valid). */
  loadState(): PanelState | undefined;
}

export function connectToHost(): HostContext {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    onMessage: (handler, onInvalid) =>
      window.addEventListener('message', (event: MessageEvent<unknown>) => {
        let message: HostToWebview;
        try {
          message = parseHostToWebview(event.data);
        } catch (error) {
          console.warn(`Influence Lens: ignored a message from the host: ${(error as Error).message}`);
          const type = (event.data as { type?: unknown } | null)?.type;
          onInvalid?.(typeof type === 'string' ? type : undefined, (error as Error).message);
          return;
        }
        handler(message);
      }),
    saveState: (state) => api.setState(state),
    loadState: () => {
      try {
        return checkPanelState(api.getState(), 'state');
      } catch {
        return undefined;
      }
    },
  };
}
