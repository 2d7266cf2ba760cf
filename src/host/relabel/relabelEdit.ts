/**
 * Relabels samples as one WorkspaceEdit, after confirmation: the plan
 * (relabelPlan.ts) says which field or file changes; this reads the files as
 * the editor sees them, asks, applies, saves the documents it touched (unless
 * they held unsaved changes of the user's), and records the decision so the
 * review survives a re-run.
 *
 * Undo: a text relabel is on the editor's undo stack (Ctrl+Z in the file).
 * A file move is not reachable by any undo an extension can trigger, so every
 * relabel also returns its inverse, applied by "Undo last relabel" as another
 * checked WorkspaceEdit.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import * as vscode from 'vscode';
import { readText } from '../../compute/data/files';
import type { ResultsFile, TestRecord, TrainRecord } from '../../compute/results/schema';
import type { SourceRef } from '../../compute/types';
import type { Log } from '../log';
import type { Notifier } from '../notifier';
import type { DatasetBoundary } from '../datasetBoundary';
import { isInside, realExistingPrefix, realOrSelf } from '../paths';
import { type MoveFs, moveConflict, rollBackMoves } from './moveSafety';
import { invertPlan, type PlannedEdit, planRelabelEach, type RelabelPlan } from './relabelPlan';
import { verifyTextEdits } from './editVerification';
import type { ReviewStore } from '../reviews/reviewStore';

export interface RelabelRequest {
  datasetPath: string;
  /** What the results may name, from what the user chose (never from the results file). */
  boundary: DatasetBoundary;
  /** The dataset changed since the analysis: a record's old line proves nothing by itself. */
  stale: boolean;
  results: ResultsFile;
  records: (TrainRecord | TestRecord)[];
  /** One new label for every record, or each record's own (a bulk "accept the suggestion"). */
  label: string | ((record: TrainRecord | TestRecord) => string);
  /**
   * A bulk that lands whole or not at all: when any record is refused (stale,
   * ambiguous, changed, a bad label), nothing is edited and the refusal names
   * each refused record and why. Without it, refused records are skipped and
   * the rest go ahead (a relabel of a few rows to one label).
   */
  allOrNothing?: boolean;
  /** A line the confirmation adds (what the bulk leaves out, and why). */
  note?: string;
  /** Ask before editing (always, except from tests through the exported API). */
  confirm: boolean;
}

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

export interface RelabelOutcome {
  applied: number;
  problems: RelabelPlan['problems'];
  declined: boolean;
  /** Why the edit was not applied (naming the file); every file was left as it was. */
  failure?: string;
  /** An all-or-nothing bulk stopped by these records (nothing was edited). */
  refused?: { record: TrainRecord | TestRecord; reason: string }[];
  undo?: RelabelUndo;
}

interface Deps {
  notifier: Notifier;
  reviews: ReviewStore;
  log: Log;
}

const SHOWN = 8;
/** Changes a bulk confirmation lists one by one (a bulk is what the user judges by these lines). */
const SHOWN_BULK = 20;

async function openDocuments(files: Iterable<string>): Promise<Map<string, vscode.TextDocument>> {
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
async function awaitDiskText(docs: Map<string, vscode.TextDocument>, root: string): Promise<string | undefined> {
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
async function applyPlanned(
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

const posix = (root: string, abs: string) => path.relative(root, abs).split(path.sep).join('/');

/** How plan problems name a record ("train.csv:17", "cat/1.png"). */
const whereOf = (r: { source: SourceRef }) =>
  r.source.line !== undefined ? `${r.source.path}:${r.source.line}` : r.source.path;

/** The new label of the record an edit changes. */
function newLabelOfEdit(
  records: RelabelRequest['records'],
  edit: Extract<PlannedEdit, { kind: 'replace' }>,
  root: string,
  newLabelOf: (r: TrainRecord | TestRecord) => string,
): string {
  const rel = posix(root, edit.file);
  const record = records.find((r) => r.source.path === rel && r.source.line === edit.analyzedLine);
  return record ? newLabelOf(record) : '';
}

/** The label the analysis saw for the record an edit changes. */
function labelOfEdit(
  records: RelabelRequest['records'],
  edit: Extract<PlannedEdit, { kind: 'replace' }>,
  root: string,
): string {
  const rel = posix(root, edit.file);
  return records.find((r) => r.source.path === rel && r.source.line === edit.analyzedLine)?.label ?? '';
}

/**
 * Re-reads every edited document and proves the edit did exactly what was
 * planned: the text equals the old text with the planned spans replaced, and
 * the file still has as many records. Otherwise the documents are put back
 * as they were (the edit is reverted) and the reason is returned.
 */
/** Each document's text, and whether it held unsaved edits of the user's, before an edit. */
type Snapshot = Map<string, { text: string; dirty: boolean }>;

const snapshot = (docs: Map<string, vscode.TextDocument>): Snapshot =>
  new Map([...docs].map(([abs, doc]) => [abs, { text: doc.getText(), dirty: doc.isDirty }]));

/** The first document that no longer holds the text an edit was planned on, as the reason to refuse the edit. */
function changedSince(expected: Snapshot, docs: Map<string, vscode.TextDocument>, root: string): string | undefined {
  for (const [abs, { text }] of expected) {
    if (docs.get(abs)?.getText() !== text)
      return `${posix(root, abs)} changed while the edit was waiting to be applied; nothing was changed, try again`;
  }
  return undefined;
}

/** Whether a path is still one the dataset may name (checked again just before files move: links can change). */
const inDataset =
  (boundary: DatasetBoundary) =>
  (abs: string): boolean => {
    try {
      boundary.resolve(posix(boundary.root, abs));
      return true;
    } catch {
      return false;
    }
  };

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

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The SHA-256 of each text file the edits changed, as it reads after them. */
function writtenTexts(edits: PlannedEdit[], docs: Map<string, vscode.TextDocument>): RelabelUndo['written'] {
  const files = new Set(edits.flatMap((e) => (e.kind === 'replace' ? [e.file] : [])));
  return [...files].flatMap((file) => {
    const doc = docs.get(file);
    return doc ? [{ file, sha256: sha256(doc.getText()) }] : [];
  });
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

async function proveOrRevert(
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

export async function relabelSamples(req: RelabelRequest, deps: Deps): Promise<RelabelOutcome> {
  const { format, labelColumn } = req.results.dataset;
  const boundary = req.boundary;
  const root = boundary.root;
  const wrongFormat = boundary.formatProblem(format);
  if (wrongFormat) {
    void deps.notifier.error(`Influence Lens: nothing relabeled: ${wrongFormat}.`);
    return { applied: 0, problems: [], declined: false, failure: wrongFormat };
  }
  // Read text files through their documents, so the offsets match what the edit applies to.
  const textFiles = new Set<string>();
  if (format !== 'imagefolder') {
    for (const rel of new Set(req.records.map((r) => r.source.path))) {
      try {
        textFiles.add(boundary.resolve(rel));
      } catch {
        // planRelabel reports the path problem for these records.
      }
    }
  }
  const docs = await openDocuments(textFiles);
  const unsafe = await awaitDiskText(docs, root);
  if (unsafe) {
    void deps.notifier.error(`Influence Lens: ${unsafe}.`);
    return { applied: 0, problems: [], declined: false, failure: unsafe };
  }
  // The text the plan is made on: the edit is applied only to documents that still hold exactly it.
  const planned = snapshot(docs);
  const documentText = (abs: string) => {
    const text = planned.get(abs)?.text;
    if (text === undefined) throw new Error('the file cannot be opened');
    return text;
  };
  const linesTrusted = (abs: string) => !req.stale && docs.get(abs)?.isDirty === false;
  const newLabelOf = (r: TrainRecord | TestRecord) => (typeof req.label === 'string' ? req.label : req.label(r)).trim();
  const plan = planRelabelEach(
    { resolve: (rel) => boundary.resolve(rel), root, format, labelColumn, linesTrusted, folders: boundary.folders },
    req.records.map((r) => ({ target: r, label: newLabelOf(r) })),
    documentText,
  );
  const bulk = typeof req.label !== 'string';
  const newLabels = [...new Set(req.records.map(newLabelOf))];
  const label = typeof req.label === 'string' ? req.label.trim() : newLabels.join(', ');
  if (req.allOrNothing && plan.problems.length) {
    // A bulk lands whole or not at all: name every refused record and why, change nothing.
    const refused = plan.problems.flatMap((p) => {
      const record = req.records.find((r) => whereOf(r) === p.source);
      return record ? [{ record, reason: p.reason }] : [];
    });
    const list = plan.problems.slice(0, SHOWN_BULK).map((p) => `${p.source}: ${p.reason}`);
    const more = plan.problems.length > SHOWN_BULK ? `\n… and ${plan.problems.length - SHOWN_BULK} more` : '';
    void deps.notifier.warn(
      `Influence Lens: nothing relabeled: ${plan.problems.length} of the ` +
        `${req.records.length} selected record(s) cannot be relabeled safely, ` +
        `and a bulk changes all of them or none. ` +
        `Deselect them (the panel lists them) or re-run the analysis.\n${list.join('\n')}${more}`,
    );
    return { applied: 0, problems: plan.problems, declined: false, refused };
  }
  if (plan.edits.length === 0) {
    const why = plan.problems.length
      ? `: ${plan.problems
          .map((p) => `${p.source}: ${p.reason}`)
          .slice(0, 3)
          .join('; ')}`
      : ' (they already have that label)';
    void deps.notifier.warn(`Influence Lens: nothing relabeled${why}`);
    return { applied: 0, problems: plan.problems, declined: false };
  }

  if (req.confirm) {
    // Each change as the file holds it now: where the record is and the start of its text, so the user sees what
    // changes.
    const shown = bulk ? SHOWN_BULK : SHOWN;
    const lines = plan.edits
      .slice(0, shown)
      .map((e) =>
        e.kind === 'move'
          ? `${posix(root, e.from)} → ${posix(root, e.to)}`
          : `${posix(root, e.file)}:${e.line}  ${e.recordText}\n    ` +
            `'${labelOfEdit(req.records, e, root)}' → ` +
            `'${newLabelOfEdit(req.records, e, root, newLabelOf)}'`,
      );
    const more = plan.edits.length > shown ? `\n… and ${plan.edits.length - shown} more` : '';
    const problems = plan.problems.length
      ? `\n\n${plan.problems.length} cannot be relabeled: ${plan.problems[0].reason}`
      : '';
    const what = bulk
      ? format === 'imagefolder'
        ? `Move ${plan.edits.length} image(s), each into its suggested class folder?`
        : `Relabel ${plan.edits.length} sample(s), each to its suggested label?`
      : format === 'imagefolder'
        ? `Move ${plan.edits.length} image(s) into the '${label}' folder?`
        : `Relabel ${plan.edits.length} sample(s) as '${label}'?`;
    const note = req.note ? `\n\n${req.note}` : '';
    const picked = await deps.notifier.confirm(
      what,
      `${lines.join('\n')}${more}${problems}${note}\n\nOne edit; "Undo last relabel" reverts it.`,
      'Relabel',
    );
    if (picked !== 'Relabel') return { applied: 0, problems: plan.problems, declined: true };
  }

  const editName = bulk ? `Relabel to the suggested labels (${label})` : `Relabel as '${label}'`;
  // While the confirmation was open, another program may have changed a file (the editor reloads it a moment
  // later) or another edit landed: offsets planned on the old text would hit another record.
  const failure =
    (await awaitDiskText(docs, root)) ??
    changedSince(planned, docs, root) ??
    (await applyPlanned(plan.edits, docs, editName, root, planned, inDataset(boundary))) ??
    (await proveOrRevert(plan.edits, planned, docs, format, root, editName));
  if (failure) {
    void deps.notifier.error(`Influence Lens: nothing relabeled: ${failure}.`);
    return { applied: 0, problems: plan.problems, declined: false, failure };
  }
  // What the files hold now, proven above: taken before anything else awaits, so no later change slips in.
  const written = writtenTexts(plan.edits, docs);

  // Record the decision under the sample's location after the edit (a moved image has a new path).
  const replaced = new Set(plan.edits.flatMap((e) => (e.kind === 'replace' ? [`${e.file}:${e.analyzedLine}`] : [])));
  const moves = new Map(plan.edits.flatMap((e) => (e.kind === 'move' ? [[e.from, e.to] as const] : [])));
  const samples: RelabelUndo['samples'] = [];
  const decided: { source: SourceRef; label: string; newLabel: string }[] = [];
  for (const r of req.records) {
    const abs = path.resolve(root, ...r.source.path.split('/'));
    const to = moves.get(abs);
    if (!to && !replaced.has(`${abs}:${r.source.line}`)) continue;
    const after = to ? { path: posix(root, to) } : r.source;
    // A decision made before the move (e.g. "confirmed") follows the file.
    if (to) await deps.reviews.move(req.datasetPath, r.source, after);
    samples.push({ before: r.source, after });
    decided.push({ source: after, label: r.label, newLabel: newLabelOf(r) });
  }
  for (const newLabel of new Set(decided.map((d) => d.newLabel))) {
    await deps.reviews.set(
      req.datasetPath,
      decided.filter((d) => d.newLabel === newLabel),
      'relabeled',
      newLabel,
    );
  }
  deps.log.info(
    `relabeled ${plan.edits.length} sample(s) of ${req.datasetPath} ` +
      `${bulk ? `to their suggested labels (${label})` : `as '${label}'`}${plan.problems.length ? `; ${plan.problems.length} skipped` : ''}`,
  );
  if (plan.problems.length)
    void deps.notifier.warn(
      `Influence Lens: ${plan.problems.length} sample(s) not relabeled: ` +
        `${plan.problems[0].source}: ${plan.problems[0].reason}`,
    );
  return {
    applied: plan.edits.length,
    problems: plan.problems,
    declined: false,
    undo: {
      datasetPath: req.datasetPath,
      root,
      format,
      label,
      ...(bulk ? { bulk: true } : {}),
      inverse: invertPlan(plan.edits),
      written,
      samples,
    },
  };
}

/** Reverts a relabel, if the files still hold what it wrote; clears the 'relabeled' decisions. */
export async function undoRelabel(undo: RelabelUndo, deps: Deps): Promise<boolean> {
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
