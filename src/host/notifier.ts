/**
 * User-facing messages. Errors always offer "Show log"; every message is also
 * written to the log and kept in a short history that the exported test API
 * reads (an integration test must see what the user saw).
 */
import * as vscode from 'vscode';
import type { Log } from './log';

const HISTORY = 50;

export interface ShownMessage {
  severity: 'error' | 'warning' | 'info';
  text: string;
  /** The buttons offered with it. */
  actions: string[];
  at: number;
}

export class Notifier {
  readonly history: ShownMessage[] = [];

  constructor(private readonly log: Log) {}

  private remember(severity: ShownMessage['severity'], text: string, actions: string[] = []): void {
    this.history.push({ severity, text, actions, at: Date.now() });
    if (this.history.length > HISTORY) this.history.shift();
  }

  /**
   * An error with "Show log" plus any extra actions; resolves with the action
   * picked. Callers on a command's path do not await it: the notification
   * stays until the user dismisses it.
   */
  async error(text: string, ...actions: { title: string; run: () => unknown }[]): Promise<void> {
    const showLog = { title: 'Show log', run: () => this.log.show(true) };
    const all = [...actions, showLog];
    this.remember(
      'error',
      text,
      all.map((a) => a.title),
    );
    this.log.error(text);
    const picked = await vscode.window.showErrorMessage(text, ...all.map((a) => a.title));
    await all.find((a) => a.title === picked)?.run();
  }

  async info<T extends string>(text: string, ...actions: T[]): Promise<T | undefined> {
    this.remember('info', text, actions);
    this.log.info(text);
    return vscode.window.showInformationMessage(text, ...actions);
  }

  async warn<T extends string>(text: string, ...actions: T[]): Promise<T | undefined> {
    this.remember('warning', text, actions);
    this.log.warn(text);
    return vscode.window.showWarningMessage(text, ...actions);
  }

  /** A modal question; undefined when dismissed. */
  async confirm<T extends string>(text: string, detail: string, ...actions: T[]): Promise<T | undefined> {
    return vscode.window.showWarningMessage(text, { modal: true, detail }, ...actions);
  }
}
