/**
 * Workspace trust (capabilities.untrustedWorkspaces: limited). Running an
 * analysis executes a training process over files of the workspace and
 * relabeling writes to them, so in an untrusted workspace the commands stay
 * visible but explain why they do nothing, with a way to grant trust.
 */
import * as vscode from 'vscode';
import type { Notifier } from './notifier';

export const UNTRUSTED_MESSAGE =
  'Influence Lens is disabled in Restricted Mode: it trains a model in a ' +
  "separate process over this workspace's files " +
  'and can edit them (relabeling). Trust the workspace to use it.';

/** True when the workspace is trusted; otherwise explains and offers to manage trust. */
export function requireTrust(notifier: Notifier): boolean {
  if (vscode.workspace.isTrusted) return true;
  void notifier.warn(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then((picked) => {
    if (picked) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
