/**
 * The user's own ONNX model in the extension (issue 15): the workspace's
 * .onnx files for the "choose model and label…" picker, and the explorer's
 * "Use as the model for influence", which sets influenceLens.modelFile for
 * the workspace and offers to undo it.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { Notifier } from '../notifier';

/** The workspace's .onnx files (at most 50; node_modules left out), sorted by path. */
export async function workspaceModels(): Promise<string[]> {
  const uris = await vscode.workspace.findFiles('**/*.onnx', '**/node_modules/**', 50);
  return uris.map((u) => u.fsPath).sort();
}

/** Sets the workspace's model file; the notification's Undo puts back the previous workspace value. */
export async function useModelFile(uri: vscode.Uri, notifier: Notifier): Promise<void> {
  const config = vscode.workspace.getConfiguration('influenceLens', uri);
  const previous = config.inspect<string>('modelFile')?.workspaceValue;
  await config.update('modelFile', uri.fsPath, vscode.ConfigurationTarget.Workspace);
  const action = await notifier.info(
    `Influence Lens: analyses in this workspace now explain your model ` +
      `${path.basename(uri.fsPath)} (influence over its final layer). A ` +
      `dataset where you chose a model in "choose model and label…" keeps ` +
      `that choice.`,
    'Undo',
  );
  if (action === 'Undo') await config.update('modelFile', previous, vscode.ConfigurationTarget.Workspace);
}
