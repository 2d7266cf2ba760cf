/** Reads the `influenceLens.*` settings (contributes.configuration in package.json) into typed values. */
import path from 'node:path';
import * as vscode from 'vscode';
import { METHODS, MODEL_KINDS } from '../protocol/compute';
import { type AnalysisSettings, DEFAULT_SETTINGS, type ModelSetting } from './jobOptions';

function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function nullableNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A path setting: absolute as given, relative to the scope's workspace folder otherwise; '' when unset. */
function pathSetting(value: unknown, scope?: vscode.Uri): string {
  if (typeof value !== 'string' || value.trim() === '') return '';
  const folder = (scope && vscode.workspace.getWorkspaceFolder(scope)) ?? vscode.workspace.workspaceFolders?.[0];
  return path.isAbsolute(value) || !folder ? value : path.join(folder.uri.fsPath, value);
}

export function readSettings(scope?: vscode.Uri): AnalysisSettings {
  const c = vscode.workspace.getConfiguration('influenceLens', scope);
  const d = DEFAULT_SETTINGS;
  return {
    model: pick<ModelSetting>(c.get('model'), [...MODEL_KINDS, 'ask'], d.model),
    method: pick(c.get('method'), METHODS, d.method),
    folds: numberOr(c.get('folds'), d.folds),
    topK: numberOr(c.get('topK'), d.topK),
    seed: numberOr(c.get('seed'), d.seed),
    maxSamples: numberOr(c.get('maxSamples'), d.maxSamples),
    weightDecay: nullableNumber(c.get('weightDecay')),
    targetParameterFraction: numberOr(c.get('targetParameterFraction'), d.targetParameterFraction),
    epochs: nullableNumber(c.get('epochs')),
    reliabilitySamples: numberOr(c.get('reliabilitySamples'), d.reliabilitySamples),
    maxMemoryMB: numberOr(c.get('maxMemoryMB'), d.maxMemoryMB),
    modelFile: pathSetting(c.get('modelFile'), scope),
  };
}
