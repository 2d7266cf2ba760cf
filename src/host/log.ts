/**
 * The extension's log: one LogOutputChannel ("Influence Lens" in the Output
 * view) with what ran, on which backend, how long each stage took, and the
 * subprocess's own output. Error notifications offer "Show log" to open it.
 * Every message is escaped and cut on the way in (safeLog.ts): it quotes the
 * user's data.
 */
import * as vscode from 'vscode';
import { safeLog } from './safeLog';

export type Log = vscode.LogOutputChannel;

export function createLog(): Log {
  return safeLog(vscode.window.createOutputChannel('Influence Lens', { log: true }));
}
