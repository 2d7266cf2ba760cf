/** Exports a dataset's review decisions as CSV or JSON, to a file the user picks (or the API names). */
import path from 'node:path';
import * as vscode from 'vscode';
import { exportCsv, exportJson } from './reviews';
import type { ReviewStore } from './reviewStore';

export async function exportReviews(
  datasetPath: string,
  reviews: ReviewStore,
  format?: 'csv' | 'json',
  target?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  const book = reviews.get(datasetPath);
  let fmt = format;
  if (!fmt) {
    const picked = await vscode.window.showQuickPick(
      [
        { label: 'CSV', value: 'csv' as const, detail: 'path, line, row, label, decision, newLabel, decidedAt' },
        { label: 'JSON', value: 'json' as const, detail: 'the same, as a list of objects' },
      ],
      { title: `Export ${Object.keys(book).length} review decision(s) of ${path.basename(datasetPath)}` },
    );
    if (!picked) return undefined;
    fmt = picked.value;
  }
  const base = datasetPath.replace(/\.[^./\\]+$/, '');
  const uri =
    target ??
    (await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(`${base}-reviews.${fmt}`),
      filters: fmt === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      title: 'Export review decisions',
    }));
  if (!uri) return undefined;
  const text = fmt === 'csv' ? exportCsv(book) : exportJson(book, datasetPath);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}
