/**
 * Opens a sample where it lives: a CSV/TSV/JSONL record with the whole record
 * selected (all its lines, when a quoted field spans several), an image in
 * VS Code's image viewer; or reveals it in the Explorer. Every path is
 * checked to lie inside the dataset root first.
 */
import * as vscode from 'vscode';
import type { SourceRef } from '../compute/types';
import { delimiterFor, recordAtLine } from './csvRecord';
import { jsonlLine } from './jsonlRecord';
import { resolveInside } from './paths';

export interface SampleLocation {
  root: string;
  format: 'csv' | 'imagefolder' | 'jsonl';
  source: SourceRef;
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

export async function openSample(location: SampleLocation, viewColumn = vscode.ViewColumn.Beside): Promise<vscode.TextEditor | undefined> {
  const uri = vscode.Uri.file(resolveInside(location.root, location.source.path));
  const line = location.source.line;
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
  const uri = vscode.Uri.file(resolveInside(location.root, location.source.path));
  await vscode.commands.executeCommand('revealInExplorer', uri);
}
