/**
 * Opens a sample where it lives: a CSV/TSV/JSONL record with the whole record
 * selected (all its lines, when a quoted field spans several), an image in
 * VS Code's image viewer; or reveals it in the Explorer. The caller gives a
 * path already checked to belong to the dataset, and the record's line now.
 */
import * as vscode from 'vscode';
import { delimiterFor, recordAtLine } from '../relabel/csvRecord';
import { jsonlLine } from '../relabel/jsonlRecord';

export interface SampleLocation {
  /** The sample's file, already checked to belong to the dataset (DatasetBoundary.resolve). */
  file: string;
  format: 'csv' | 'imagefolder' | 'jsonl';
  /** The line the record starts on now (text formats). */
  line?: number;
}

/** The range of a record in a document: the whole record, else its start line. */
export function recordRange(doc: vscode.TextDocument, format: 'csv' | 'jsonl', line: number): vscode.Range {
  const text = doc.getText();
  if (format === 'csv') {
    const record = recordAtLine(text, line, delimiterFor(doc.fileName, text));
    if (record) return new vscode.Range(doc.positionAt(record.start), doc.positionAt(record.end));
  } else {
    const span = jsonlLine(text, line);
    if (span) return new vscode.Range(doc.positionAt(span.start), doc.positionAt(span.end));
  }
  const l = Math.min(Math.max(0, line - 1), doc.lineCount - 1);
  return doc.lineAt(l).range;
}

export async function openSample(
  location: SampleLocation,
  viewColumn = vscode.ViewColumn.Beside,
): Promise<vscode.TextEditor | undefined> {
  const uri = vscode.Uri.file(location.file);
  const line = location.line;
  if (location.format === 'imagefolder' || line === undefined) {
    // 'vscode.open' picks the editor for the file type: the built-in image preview for .png/.jpg.
    await vscode.commands.executeCommand('vscode.open', uri, { viewColumn, preview: true });
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const range = recordRange(doc, location.format, line);
  const editor = await vscode.window.showTextDocument(doc, { viewColumn, selection: range, preview: true });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}

export async function revealSample(location: SampleLocation): Promise<void> {
  const uri = vscode.Uri.file(location.file);
  await vscode.commands.executeCommand('revealInExplorer', uri);
}
