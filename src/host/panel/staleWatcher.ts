/**
 * Watches the dataset whose results are on screen, and the side files the
 * analysis read (the user's model, embeddings, probabilities), and reports
 * when their content no longer matches the analysis (and when it matches
 * again, e.g. after an undo). File events only trigger a re-fingerprint, debounced, so a
 * burst of saves or an image-folder move costs one hash pass.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { type AnalysisInputs, fingerprintAnalysis, sideFiles } from '../analysis/fingerprint';

const DEBOUNCE_MS = 400;

export class StaleWatcher implements vscode.Disposable {
  private watchers: vscode.FileSystemWatcher[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  /**
   * Starts watching (replacing any previous watch); `onChange` gets the staleness when it changes, and on every change
   * of the files while stale.
   */
  async watch(
    datasetPath: string,
    inputs: AnalysisInputs,
    baseline: string,
    stale: boolean,
    onChange: (stale: boolean) => void,
  ): Promise<void> {
    this.stop();
    const generation = ++this.generation;
    let current = stale;
    const check = () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(async () => {
        let fp: string | undefined;
        try {
          fp = await fingerprintAnalysis(datasetPath, inputs);
        } catch {
          fp = undefined; // deleted or unreadable: certainly not what was analyzed
        }
        if (generation !== this.generation) return;
        const now = fp !== baseline;
        // Every change while stale too: records may have moved again.
        if (now !== current || now) {
          current = now;
          onChange(now);
        }
      }, DEBOUNCE_MS);
    };
    const { testPath } = inputs;
    for (const p of [...(testPath ? [datasetPath, testPath] : [datasetPath]), ...sideFiles(inputs)]) {
      const isDir = (await fsp.stat(p).catch(() => undefined))?.isDirectory() ?? false;
      const pattern = isDir
        ? new vscode.RelativePattern(vscode.Uri.file(p), '**/*')
        : new vscode.RelativePattern(vscode.Uri.file(path.dirname(p)), path.basename(p));
      const w = vscode.workspace.createFileSystemWatcher(pattern);
      w.onDidChange(check);
      w.onDidCreate(check);
      w.onDidDelete(check);
      this.watchers.push(w);
    }
  }

  stop(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
  }

  dispose(): void {
    this.stop();
  }
}
