/**
 * Relabels samples as one WorkspaceEdit, after confirmation: the plan
 * (relabelPlan.ts) says which field or file changes; this reads the files as
 * the editor sees them, asks, applies (documentEdits.ts), saves the documents
 * it touched (unless they held unsaved changes of the user's), and records the
 * decision so the review survives a re-run. Every relabel also returns its
 * inverse for "Undo last relabel" (undoRelabel.ts).
 */
import path from 'node:path';
import type { ResultsFile, TestRecord, TrainRecord } from '../../compute/results/schema';
import type { SourceRef } from '../../compute/types';
import type { DatasetBoundary } from '../datasetBoundary';
import {
  applyPlanned,
  awaitDiskText,
  changedSince,
  type EditDeps,
  openDocuments,
  posix,
  proveOrRevert,
  snapshot,
  writtenTexts,
} from './documentEdits';
import { invertPlan, type PlannedEdit, planRelabelEach, type RelabelPlan } from './relabelPlan';
import type { RelabelUndo } from './undoRelabel';

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

const SHOWN = 8;
/** Changes a bulk confirmation lists one by one (a bulk is what the user judges by these lines). */
const SHOWN_BULK = 20;

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

export async function relabelSamples(req: RelabelRequest, deps: EditDeps): Promise<RelabelOutcome> {
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
