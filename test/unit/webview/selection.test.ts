/**
 * The page never builds a request beyond the wire's MAX_IDS: a selection
 * stops there (and says so), so a bulk relabel or review of the selection
 * always passes the host's check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_IDS, parseWebviewToHost, type WebviewToHost } from '../../../src/protocol/webview';
import type { HostContext } from '../../../webview/hostContext';
import { PanelStore } from '../../../webview/store';

function store(): { s: PanelStore; sent: WebviewToHost[] } {
  const sent: WebviewToHost[] = [];
  const host: HostContext = {
    post: (m) => sent.push(m),
    onMessage: () => {},
    saveState: () => {},
    loadState: () => undefined,
  };
  return { s: new PanelStore(host), sent };
}

test(
  `a selection stops at ${MAX_IDS.toLocaleString('en-US')} samples, so a ` +
    `bulk request from it passes the host's check`,
  () => {
    const { s } = store();
    for (let id = 0; id < MAX_IDS + 5; id++) s.toggleSelected(id, true);
    assert.equal(s.selected.size, MAX_IDS);
    assert.equal(s.selectionFull, true, 'the page says the selection is full');
    assert.doesNotThrow(() => parseWebviewToHost({ type: 'setReview', ids: [...s.selected], state: 'confirmed' }));
    assert.doesNotThrow(() =>
      parseWebviewToHost({ type: 'relabel', split: 'train', ids: [...s.selected], label: 'cat' }),
    );
    // Deselecting makes room again.
    s.toggleSelected(0, false);
    assert.equal(s.selectionFull, false);
    s.toggleSelected(MAX_IDS + 1, true);
    assert.equal(s.selected.size, MAX_IDS);
    s.clearSelection();
    assert.equal(s.selected.size, 0);
  },
);
