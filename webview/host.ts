/**
 * The page's only door to the extension host: typed, checked messages and
 * the persisted state. Components never call acquireVsCodeApi themselves;
 * they get a HostContext, so a test can hand them a stand-in (DESIGN.md §6).
 */
import { checkPanelState, type HostToWebview, parseHostToWebview } from '../src/protocol/webview';
import type { HostContext } from './hostContext';

export type { HostContext } from './hostContext';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

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
