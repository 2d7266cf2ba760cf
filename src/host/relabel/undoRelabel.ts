/**
 * "Undo last relabel": a text relabel is on the editor's undo stack (Ctrl+Z in the file), but a file move is not
 * reachable by any undo an extension can trigger, so every relabel returns its inverse (relabelEdit.ts), kept in the
 * workspace state (undoStore.ts) and applied here as another checked WorkspaceEdit — only on files exactly as the
 * relabel left them, and only inside the dataset root.
 */
import path from 'node:path';
import type * as vscode from 'vscode';
import type { ResultsFile } from '../../compute/results/schema';
import type { SourceRef } from '../../compute/types';
import { isInside, realExistingPrefix, realOrSelf } from '../paths';
import {
  applyPlanned,
  awaitDiskText,
  type EditDeps,
  openDocuments,
  proveOrRevert,
  sha256,
  snapshot,
} from './documentEdits';
import type { PlannedEdit } from './relabelPlan';

/** What "Undo last relabel" needs. */
export interface RelabelUndo {
  datasetPath: string;
  /** The dataset root the moves are under (for messages). */
  root: string;
  format: ResultsFile['dataset']['format'];
  /** The new label, or for a bulk of several labels their list ("fox, dog"). */
  label: string;
  /** A bulk "accept the suggestion": each sample got its own suggested label. */
  bulk?: boolean;
  inverse: PlannedEdit[];
  /**
   * Each edited text file's SHA-256 right after the relabel: the undo goes ahead only on exactly that text, since
   * its offsets mean nothing once a line was added or removed above. Absent in records of older versions (their
   * undo is refused: nothing proves what they wrote).
   */
  written?: { file: string; sha256: string }[];
  /** Where each sample was before and is after (a moved image has a new path). */
  samples: { before: SourceRef; after: SourceRef }[];
}

/** Inside `root`, lexically and through links (an undo's stored paths, checked before anything moves back). */
function insideRoot(root: string) {
  return (abs: string): boolean => {
    try {
      return isInside(root, abs) && isInside(realOrSelf(root), realExistingPrefix(abs));
    } catch {
      return false;
    }
  };
}

/** Why an undo cannot go ahead on these documents (a file changed since the relabel), or undefined. */
function undoProblem(undo: RelabelUndo, docs: Map<string, vscode.TextDocument>): string | undefined {
  const files = new Set(undo.inverse.flatMap((e) => (e.kind === 'replace' ? [e.file] : [])));
  for (const file of files) {
    const doc = docs.get(file);
    const written = undo.written?.find((w) => w.file === file);
    if (!doc) return `${path.basename(file)} cannot be opened`;
    if (!written) return 'an older version made this relabel and kept no proof of what it wrote';
    if (sha256(doc.getText()) !== written.sha256) return `${path.basename(file)} changed since the relabel`;
  }
  const inside = insideRoot(undo.root);
  const stray = undo.inverse.find((e) => e.kind === 'move' && !(inside(e.from) && inside(e.to)));
  if (stray?.kind === 'move') return `${stray.to} is not inside the dataset folder ${undo.root}`;
  return undefined;
}

/** Reverts a relabel, if the files still hold what it wrote; clears the 'relabeled' decisions. */
export async function undoRelabel(undo: RelabelUndo, deps: EditDeps): Promise<boolean> {
  const docs = await openDocuments(new Set(undo.inverse.flatMap((e) => (e.kind === 'replace' ? [e.file] : []))));
  const root = undo.root;
  const refused = (await awaitDiskText(docs, root)) ?? undoProblem(undo, docs);
  if (refused) {
    void deps.notifier.warn(`Influence Lens: the relabel was not undone: ${refused}. Use the editor's Undo.`);
    return false;
  }
  const before = snapshot(docs);
  const name = `Undo relabel as '${undo.label}'`;
  const failure =
    (await applyPlanned(undo.inverse, docs, name, root, before, insideRoot(root))) ??
    (await proveOrRevert(undo.inverse, before, docs, undo.format, root, name));
  if (failure) {
    void deps.notifier.error(`Influence Lens: the relabel could not be undone: ${failure}.`);
    return false;
  }
  for (const s of undo.samples) {
    if (s.after.path !== s.before.path) await deps.reviews.move(undo.datasetPath, s.after, s.before);
  }
  await deps.reviews.set(
    undo.datasetPath,
    undo.samples.map((s) => ({ source: s.before, label: '' })),
    null,
  );
  deps.log.info(`undid the relabel of ${undo.samples.length} sample(s) as '${undo.label}' in ${undo.datasetPath}`);
  return true;
}
