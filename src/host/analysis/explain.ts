/**
 * "Explain this prediction" on an image or on a line of a CSV/JSONL file:
 * once the analysis that holds the file is on screen (explainTarget.ts
 * finds it), finds the sample at that place and focuses the panel on it.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { delimiterFor, recordAtLine } from '../relabel/csvRecord';
import type { PanelController } from '../panel/panelController';
import { findSampleAt } from '../panel/resultsView';
import { analysedPath } from '../relabel/sampleMoves';

export type ExplainResult =
  | { kind: 'explained'; split: 'train' | 'test'; id: number; datasetPath: string }
  | { kind: 'notFound'; message: string }
  | { kind: 'noResults' };

/** Whether the text record starting at `start` still reaches `line` (samples left out leave gaps). */
async function recordReaches(file: string, format: string, start: number, line: number): Promise<boolean> {
  if (start === line) return true;
  if (format !== 'csv') return false;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const text = doc.getText();
  const record = recordAtLine(text, start, delimiterFor(file, text));
  return record !== null && record.endLine >= line;
}

export async function explainAt(
  controller: PanelController,
  file: string,
  line: number | undefined,
): Promise<ExplainResult> {
  const shown = controller.current;
  if (!shown) return { kind: 'noResults' };
  const { format } = shown.results.dataset;
  const root = shown.boundary.root;
  const rel = path.relative(root, file).split(path.sep).join('/');
  // An image relabeled since the analysis is found under the path the analysis saw.
  const hit = findSampleAt(shown.index, analysedPath(shown.moves, rel), format === 'imagefolder' ? undefined : line);
  if (!hit || (hit.line !== undefined && line !== undefined && !(await recordReaches(file, format, hit.line, line)))) {
    const place = line !== undefined ? `${rel}:${line}` : rel;
    return {
      kind: 'notFound',
      message:
        `${place} is not a sample of this analysis (a header, a blank line, or ` +
        `a sample left out by "maximum samples").`,
    };
  }
  controller.explain(hit.split, hit.id);
  return { kind: 'explained', split: hit.split, id: hit.id, datasetPath: shown.datasetPath };
}
