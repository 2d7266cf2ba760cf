/** Shared by the integration tests (bundled into each; runs inside the extension host). */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { InfluenceLensApi } from '../../src/host/api';
import type { RunningInfo } from '../../src/host/analysis/analysisRunner';
export { bigCsv } from './bigCsv';

export const EXTENSION_ID = 'influence-lens.influence-lens';

export async function activateApi(): Promise<InfluenceLensApi> {
  const ext = vscode.extensions.getExtension<InfluenceLensApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration tests need a workspace folder (the runner opens one)');
  return folder.uri.fsPath;
}

export function fixture(name: string): string {
  return path.join(workspaceDir(), name);
}

/** A line in the suite's output (timings worth seeing), through the runner's output file when there is one. */
export function note(line: string): void {
  const out = process.env.INFLUENCE_LENS_TEST_OUTPUT;
  if (out) appendFileSync(out, `      ${line}\n`);
  else console.log(`      ${line}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `probe` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 25,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The running analysis of `datasetPath` once it has reached `stage`. */
export function runningAt(api: InfluenceLensApi, datasetPath: string, stage: string): Promise<RunningInfo> {
  return waitFor(`the analysis of ${path.basename(datasetPath)} to reach '${stage}'`, () =>
    api.running().find((j) => j.datasetPath === datasetPath && j.stage === stage && j.pid !== undefined),
  );
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readBytes(file: string): Buffer {
  return readFileSync(file);
}
