/**
 * Watches the dataset whose results are on screen and reports when its
 * content no longer matches the analysis (and when it matches again, e.g.
 * after an undo). File events only trigger a re-fingerprint, debounced, so a
 * burst of saves or an image-folder move costs one hash pass.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { fingerprintDataset } from '../analysis/fingerprint';

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
    testPath: string | undefined,
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
          fp = await fingerprintDataset(datasetPath, testPath);
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
    for (const p of testPath ? [datasetPath, testPath] : [datasetPath]) {
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
