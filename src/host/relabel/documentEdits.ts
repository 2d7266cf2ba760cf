/**
 * The document side of an edit of the user's text files and image moves, shared by a relabel and its undo: the
 * documents as the editor holds them (waiting for a reload of a change made on disk), a snapshot of their text, the
 * check that they still hold it, one WorkspaceEdit applied with its moves rolled back on failure, and the read-back
 * proof that reverts an edit that did not do exactly what was planned.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import * as vscode from 'vscode';
import { readText } from '../../compute/data/files';
import type { ResultsFile } from '../../compute/results/schema';
import type { Log } from '../log';
import type { Notifier } from '../notifier';
import type { ReviewStore } from '../reviews/reviewStore';
import { verifyTextEdits } from './editVerification';
import { type MoveFs, moveConflict, rollBackMoves } from './moveSafety';
import type { PlannedEdit } from './relabelPlan';

/** What an edit tells the user and records. */
export interface EditDeps {
  notifier: Notifier;
  reviews: ReviewStore;
  log: Log;
}

export async function openDocuments(files: Iterable<string>): Promise<Map<string, vscode.TextDocument>> {
  const docs = new Map<string, vscode.TextDocument>();
  for (const abs of files) {
    try {
      docs.set(abs, await vscode.workspace.openTextDocument(vscode.Uri.file(abs)));
    } catch {
      // The plan reports records in files that cannot be opened.
    }
  }
  return docs;
}

/** How long an open, unmodified document may take to reload a change made on disk by another program. */
const RELOAD_WAIT_MS = 3000;

/**
 * An open document without unsaved edits must hold what is on disk before we
 * plan an edit on it: after another program changed the file, the editor
 * reloads it a moment later, and an edit planned on the old text would land
 * on the wrong record (and its save would fail). Waits for the reload;
 * returns why a file cannot be edited safely, or undefined.
 */
export async function awaitDiskText(docs: Map<string, vscode.TextDocument>, root: string): Promise<string | undefined> {
  const oneEol = (t: string) => t.replace(/\r\n?/g, '\n');
  for (const [abs, doc] of docs) {
    if (doc.isDirty) continue; // the user's unsaved text is what they see and what the edit goes to
    const deadline = Date.now() + RELOAD_WAIT_MS;
    for (;;) {
      const disk = await readText(abs, path.basename(abs)).catch(() => undefined);
      if (disk === undefined || doc.getText() === disk) break;
      if (oneEol(doc.getText()) === oneEol(disk)) {
        // The editor made the line endings uniform: saving would rewrite every other record's line end.
        return (
          `${posix(root, abs)} mixes line endings (CRLF and LF), which the editor ` +
          `rewrites when it saves; nothing was changed: make its line endings ` +
          `uniform first`
        );
      }
      if (Date.now() > deadline)
        return (
          `${posix(root, abs)} changed on disk and the editor has not reloaded it ` +
          `yet; nothing was changed, try again`
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return undefined;
}

const workspaceFs: MoveFs = {
  exists: (file) =>
    Promise.resolve(vscode.workspace.fs.stat(vscode.Uri.file(file))).then(
      () => true,
      () => false,
    ),
  rename: (from, to) =>
    Promise.resolve(vscode.workspace.fs.rename(vscode.Uri.file(from), vscode.Uri.file(to), { overwrite: false })),
};

/**
 * Applies planned edits as one WorkspaceEdit and saves the documents that
 * were clean before it. All or nothing: the moves are checked first, and
 * when the edit still fails the moves it made are put back. Returns why it
 * failed (naming the file), or undefined when it was applied.
 */
export async function applyPlanned(
  edits: PlannedEdit[],
  docs: Map<string, vscode.TextDocument>,
  label: string,
  root: string,
  expected: Snapshot,
  inside: (abs: string) => boolean,
): Promise<string | undefined> {
  const conflict = (await moveConflict(edits, workspaceFs, root, inside)) ?? changedSince(expected, docs, root);
  if (conflict) return conflict;
  const edit = new vscode.WorkspaceEdit();
  const metadata: vscode.WorkspaceEditEntryMetadata = { label, needsConfirmation: false };
  const dirtyBefore = new Set([...docs.values()].filter((d) => d.isDirty).map((d) => d.uri.toString()));
  for (const e of edits) {
    if (e.kind === 'replace') {
      const doc = docs.get(e.file)!;
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.newText, metadata);
    } else {
      edit.renameFile(vscode.Uri.file(e.from), vscode.Uri.file(e.to), { overwrite: false }, metadata);
    }
  }
  const applied = await Promise.resolve(vscode.workspace.applyEdit(edit)).catch(() => false);
  if (!applied) {
    const { failed, stuck } = await rollBackMoves(edits, workspaceFs);
    const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
    const which = failed ? `moving ${rel(failed.from)} failed` : 'the edit was refused (a file changed meanwhile?)';
    return stuck.length
      ? `${which}, and ${stuck.map((m) => rel(m.to)).join(', ')} could not be moved back`
      : `${which}; every file was left as it was`;
  }
  for (const doc of docs.values()) {
    if (!dirtyBefore.has(doc.uri.toString()) && doc.isDirty) await doc.save();
  }
  return undefined;
}

/** A path below `root` as results and messages write it (relative, forward slashes). */
export const posix = (root: string, abs: string) => path.relative(root, abs).split(path.sep).join('/');

/** Each document's text, and whether it held unsaved edits of the user's, before an edit. */
export type Snapshot = Map<string, { text: string; dirty: boolean }>;

export const snapshot = (docs: Map<string, vscode.TextDocument>): Snapshot =>
  new Map([...docs].map(([abs, doc]) => [abs, { text: doc.getText(), dirty: doc.isDirty }]));

/** The first document that no longer holds the text an edit was planned on, as the reason to refuse the edit. */
export function changedSince(
  expected: Snapshot,
  docs: Map<string, vscode.TextDocument>,
  root: string,
): string | undefined {
  for (const [abs, { text }] of expected) {
    if (docs.get(abs)?.getText() !== text)
      return `${posix(root, abs)} changed while the edit was waiting to be applied; nothing was changed, try again`;
  }
  return undefined;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The SHA-256 of each text file the edits changed, as it reads after them. */
export function writtenTexts(
  edits: PlannedEdit[],
  docs: Map<string, vscode.TextDocument>,
): { file: string; sha256: string }[] {
  const files = new Set(edits.flatMap((e) => (e.kind === 'replace' ? [e.file] : [])));
  return [...files].flatMap((file) => {
    const doc = docs.get(file);
    return doc ? [{ file, sha256: sha256(doc.getText()) }] : [];
  });
}

/**
 * Re-reads every edited document and proves the edit did exactly what was
 * planned: the text equals the old text with the planned spans replaced, and
 * the file still has as many records. Otherwise the documents are put back
 * as they were (the edit is reverted) and the reason is returned.
 */
export async function proveOrRevert(
  edits: PlannedEdit[],
  snap: Snapshot,
  docs: Map<string, vscode.TextDocument>,
  format: ResultsFile['dataset']['format'],
  root: string,
  label: string,
): Promise<string | undefined> {
  if (format === 'imagefolder') return undefined;
  const before = new Map([...snap].map(([abs, s]) => [abs, s.text]));
  const problem = verifyTextEdits(edits, before, (abs) => docs.get(abs)?.getText(), format);
  if (!problem) return undefined;
  const revert = new vscode.WorkspaceEdit();
  for (const [abs, text] of before) {
    const doc = docs.get(abs);
    if (doc && doc.getText() !== text)
      revert.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text, {
        label,
        needsConfirmation: false,
      });
  }
  const reverted = await Promise.resolve(vscode.workspace.applyEdit(revert)).catch(() => false);
  // Save only what was saved before the edit: a document with the user's unsaved edits stays unsaved.
  for (const [abs, doc] of docs)
    if (doc.isDirty && snap.get(abs)?.dirty === false && before.get(abs) === doc.getText()) await doc.save();
  return (
    `${posix(root, problem.file)}: ${problem.reason}; ` +
    `${reverted ? 'the file was put back as it was' : "putting the file back failed: use the editor's Undo"}`
  );
}
