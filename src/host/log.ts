/**
 * The extension's log: one LogOutputChannel ("Influence Lens" in the Output
 * view) with what ran, on which backend, how long each stage took, and the
 * subprocess's own output. Error notifications offer "Show log" to open it.
 */
import * as vscode from 'vscode';

export type Log = vscode.LogOutputChannel;

export function createLog(): Log {
  return vscode.window.createOutputChannel('Influence Lens', { log: true });
}
