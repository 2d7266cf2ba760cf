/**
 * Computes what a relabel changes, without changing anything: for CSV/TSV
 * the exact label field of each record, for JSONL the label value of each
 * line, for image folders a move of the file into the new class folder.
 * Each record is checked against the file as it is now (the label there must
 * still be the label the analysis saw) so a stale result never edits the
 * wrong row. Pure apart from the path checks; the vscode glue turns the plan
 * into one WorkspaceEdit.
 */
import path from 'node:path';
import { delimiterFor, fieldText, headerNames, recordAtLine } from './csvRecord';
import { fieldValueSpan, jsonlLine, labelJson, labelOf } from './jsonlRecord';
import { isSafeFolderName, resolveInside } from './paths';

export interface RelabelTarget {
  source: { path: string; line?: number; row?: number };
  /** The label the analysis read for this sample. */
  label: string;
}

export interface DatasetInfo {
  root: string;
  format: 'csv' | 'imagefolder' | 'jsonl';
  labelColumn: string;
}

export type PlannedEdit =
  | { kind: 'replace'; file: string; start: number; end: number; newText: string; oldText: string; line: number }
  | { kind: 'move'; from: string; to: string };

export interface RelabelPlan {
  edits: PlannedEdit[];
  /** Records that cannot be relabeled, with the reason (the rest can). */
  problems: { source: string; reason: string }[];
  /** Records already carrying the new label (nothing to do). */
  unchanged: number;
}

/** Reads a text file as the editor sees it (the open document when there is one). */
export type ReadText = (absPath: string) => string;

/** Split folders the engine recognises above the class folders. */
const SPLIT_FOLDERS = new Set(['train', 'training', 'test', 'val', 'valid', 'validation']);

/**
 * The index of the class folder in an image path: the first folder named
 * like the label, except below a split folder (train/<class>/…), whose
 * own name may equal a class name.
 */
export function classSegment(segments: string[], label: string): number {
  if (segments.length >= 3 && SPLIT_FOLDERS.has(segments[0].toLowerCase()) && segments[1] === label) return 1;
  for (let i = 0; i < segments.length - 1; i++) if (segments[i] === label) return i;
  return -1;
}

const where = (t: RelabelTarget) => (t.source.line !== undefined ? `${t.source.path}:${t.source.line}` : t.source.path);

export function planRelabel(dataset: DatasetInfo, targets: RelabelTarget[], newLabel: string, readText: ReadText): RelabelPlan {
  const plan: RelabelPlan = { edits: [], problems: [], unchanged: 0 };
  const label = newLabel.trim();
  if (label === '') {
    plan.problems.push(...targets.map((t) => ({ source: where(t), reason: 'the new label is empty' })));
    return plan;
  }
  const texts = new Map<string, string>();
  const textOf = (abs: string) => {
    let text = texts.get(abs);
    if (text === undefined) texts.set(abs, (text = readText(abs)));
    return text;
  };
  const seen = new Set<string>();
  for (const target of targets) {
    // The same record twice would make two overlapping edits, which a WorkspaceEdit refuses.
    if (seen.has(where(target))) continue;
    seen.add(where(target));
    if (target.label === label) {
      plan.unchanged++;
      continue;
    }
    try {
      const abs = resolveInside(dataset.root, target.source.path);
      const edit =
        dataset.format === 'imagefolder'
          ? planMove(dataset.root, abs, target, label)
          : dataset.format === 'csv'
            ? planCsv(abs, textOf(abs), target, label, dataset.labelColumn)
            : planJsonl(abs, textOf(abs), target, label, dataset.labelColumn);
      plan.edits.push(edit);
    } catch (error) {
      plan.problems.push({ source: where(target), reason: (error as Error).message });
    }
  }
  return plan;
}

function planCsv(file: string, text: string, target: RelabelTarget, label: string, labelColumn: string): PlannedEdit {
  const line = target.source.line;
  if (line === undefined) throw new Error('the result has no line number for this record');
  const delimiter = delimiterFor(file, text);
  const column = headerNames(text, delimiter).indexOf(labelColumn);
  if (column < 0) throw new Error(`the header has no column '${labelColumn}' any more; re-run the analysis`);
  const record = recordAtLine(text, line, delimiter);
  const field = record?.fields[column];
  if (!record || !field) throw new Error(`no record with a '${labelColumn}' field starts on line ${line} any more; re-run the analysis`);
  if (field.value.trim() !== target.label) {
    throw new Error(`line ${line} now has the label '${field.value.trim()}', not '${target.label}'; re-run the analysis`);
  }
  return {
    kind: 'replace',
    file,
    start: field.start,
    end: field.end,
    oldText: text.slice(field.start, field.end),
    newText: fieldText(label, field, text, delimiter),
    line,
  };
}

function planJsonl(file: string, text: string, target: RelabelTarget, label: string, labelField: string): PlannedEdit {
  const line = target.source.line;
  if (line === undefined) throw new Error('the result has no line number for this record');
  const span = jsonlLine(text, line);
  const value = span && fieldValueSpan(text, span, labelField);
  if (!value) throw new Error(`line ${line} holds no object with a '${labelField}' field any more; re-run the analysis`);
  if (labelOf(value.value) !== target.label) {
    throw new Error(`line ${line} now has the label ${JSON.stringify(value.value)}, not '${target.label}'; re-run the analysis`);
  }
  return {
    kind: 'replace',
    file,
    start: value.start,
    end: value.end,
    oldText: text.slice(value.start, value.end),
    newText: labelJson(label, value.value),
    line,
  };
}

function planMove(root: string, abs: string, target: RelabelTarget, label: string): PlannedEdit {
  if (!isSafeFolderName(label)) throw new Error(`'${label}' cannot name a class folder`);
  const segments = target.source.path.split('/');
  const k = classSegment(segments, target.label);
  if (k < 0) throw new Error(`no folder named '${target.label}' in its path`);
  const moved = [...segments];
  moved[k] = label;
  const to = resolveInside(root, moved.join('/'));
  if (path.resolve(to) === path.resolve(abs)) throw new Error('the file is already in that folder');
  return { kind: 'move', from: abs, to };
}

/**
 * The edits that undo `edits` once they are applied: moves back, and each
 * replaced span put back where it now lies (earlier replacements in the same
 * file shift the later ones by their change in length).
 */
export function invertPlan(edits: PlannedEdit[]): PlannedEdit[] {
  const out: PlannedEdit[] = [];
  const byFile = new Map<string, Extract<PlannedEdit, { kind: 'replace' }>[]>();
  for (const e of edits) {
    if (e.kind === 'move') out.push({ kind: 'move', from: e.to, to: e.from });
    else byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  }
  for (const list of byFile.values()) {
    let shift = 0;
    for (const e of [...list].sort((a, b) => a.start - b.start)) {
      const start = e.start + shift;
      out.push({ kind: 'replace', file: e.file, start, end: start + e.newText.length, oldText: e.newText, newText: e.oldText, line: e.line });
      shift += e.newText.length - (e.end - e.start);
    }
  }
  return out;
}
