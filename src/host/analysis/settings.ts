/**
 * Reads the `influenceLens.*` settings (declared in the option table, src/protocol/options.ts); checked when they
 * become job options.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { type AnalysisSettings, type ModelSetting } from './jobOptions';
import { MODEL_KINDS } from '../../protocol/compute';
import { readSettingValues, SETTINGS_PREFIX } from './settingsTable';

export function readSettings(scope?: vscode.Uri): AnalysisSettings {
  const values = readSettingValues(vscode.workspace.getConfiguration(SETTINGS_PREFIX, scope));
  // influenceLens.modelFile may be relative to the workspace folder (the engine runs elsewhere).
  const modelFile = values.modelFile;
  if (typeof modelFile !== 'string' || modelFile === '' || path.isAbsolute(modelFile)) return values;
  const folder = (scope && vscode.workspace.getWorkspaceFolder(scope)) ?? vscode.workspace.workspaceFolders?.[0];
  return folder ? { ...values, modelFile: path.join(folder.uri.fsPath, modelFile) } : values;
}

/**
 * The model setting, for the quick pick: "ask", a model, or (a value no model has) mlp, which jobOptionsFor then
 * refuses by name.
 */
export function modelSetting(settings: AnalysisSettings): ModelSetting {
  const value = settings.model;
  return value === 'ask' || MODEL_KINDS.includes(value as (typeof MODEL_KINDS)[number])
    ? (value as ModelSetting)
    : 'mlp';
}
