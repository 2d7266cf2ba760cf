/**
 * Computes what a relabel changes, without changing anything: for CSV/TSV
 * the exact label field of each record, for JSONL the label value of each
 * line, for image folders a move of the file into the new class folder.
 * Each text record is found in the file as it is now by the fingerprint of
 * its text (recordLocator.ts): at its line when it is still there, else where
 * it went when that is one place; a record that is gone or ambiguous, or
 * whose label changed, is refused, so a stale result never edits the wrong
 * row. Pure apart from the path checks; the vscode glue turns the plan into
 * one WorkspaceEdit.
 */
import path from 'node:path';
import { delimiterFor, fieldText, headerNames, recordAtLine } from './csvRecord';
import { fieldValueSpan, jsonlLine, labelJson, labelOf } from './jsonlRecord';
import { folderNameProblem, isInside } from '../paths';
import { describeLocated, indexRecords, locateRecord, type RecordIndex, type TextFormat } from './recordLocator';

export interface RelabelTarget {
  source: { path: string; line?: number; row?: number; digest?: string };
  /** The label the analysis read for this sample. */
  label: string;
}

export interface DatasetInfo {
  /**
   * Resolves a results path to an absolute one, throwing unless it is one of the dataset's files (datasetBoundary.ts).
   */
  resolve(relative: string): string;
  /** The dataset root a move target is resolved under. */
  root: string;
  format: 'csv' | 'imagefolder' | 'jsonl';
  labelColumn: string;
  /**
   * Image datasets: the folders the images lie in (the dataset folder first, then the separate test folder when
   * there is one); each image's class folder is found below the one holding it. Default: the root alone.
   */
  folders?: readonly string[];
  /**
   * Whether the file is known unchanged since the analysis (results not
   * stale, no unsaved edits): then a record at its old line is that record
   * even when an identical one stands elsewhere.
   */
  linesTrusted(absPath: string): boolean;
}

export type PlannedEdit =
  | {
      kind: 'replace';
      file: string;
      start: number;
      end: number;
      newText: string;
      oldText: string;
      /** The line the record starts on now (where the analysis saw it, or where it went). */
      line: number;
      /** The line the analysis saw it on (the results' `source.line`). */
      analyzedLine: number;
      /** The record's text, shortened, for the confirmation: the user sees what changes, not only a line number. */
      recordText: string;
    }
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
/** The names that make the engine read a dataset folder as split (src/compute/data/imageFolder.ts). */
const TRAIN_FOLDERS = new Set(['train', 'training']);

/**
 * The index of the class folder in an image's path below the folder that holds it (the dataset folder, or the
 * separate test folder): the first segment, or the second below a split folder of the dataset folder
 * (train/<class>/…), where the engine looks for classes (src/compute/data/imageFolder.ts). -1 when that folder is not
 * named like the label: only the engine's own class folder is ever renamed in the path, never a parent that happens
 * to share the name.
 */
export function classSegment(segments: string[], label: string, datasetFolder = true): number {
  if (datasetFolder && segments.length >= 3 && SPLIT_FOLDERS.has(segments[0].toLowerCase()) && segments[1] === label)
    return 1;
  return segments.length >= 2 && segments[0] === label ? 0 : -1;
}

const where = (t: RelabelTarget) => (t.source.line !== undefined ? `${t.source.path}:${t.source.line}` : t.source.path);

/** Why a label cannot be written, or undefined. Line breaks would shift every later line of a text file. */
export function labelProblem(label: string): string | undefined {
  if (label === '') return 'the new label is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(label))
    return 'the new label contains a line break or another control character';
  return undefined;
}

/** At most `max` characters of a record's text on one line, for messages. */
export function shortRecordText(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function planRelabel(
  dataset: DatasetInfo,
  targets: RelabelTarget[],
  newLabel: string,
  readText: ReadText,
): RelabelPlan {
  return planRelabelEach(
    dataset,
    targets.map((target) => ({ target, label: newLabel })),
    readText,
  );
}

/**
 * Each target to its own new label (a bulk "accept the suggestion"): the
 * same checks, record by record, as one label for all. A refused record is
 * in `problems` with its reason; the caller decides whether the rest may go.
 */
export function planRelabelEach(
  dataset: DatasetInfo,
  changes: { target: RelabelTarget; label: string }[],
  readText: ReadText,
): RelabelPlan {
  const plan: RelabelPlan = { edits: [], problems: [], unchanged: 0 };
  const texts = new Map<string, string>();
  const textOf = (abs: string) => {
    let text = texts.get(abs);
    if (text === undefined) texts.set(abs, (text = readText(abs)));
    return text;
  };
  const seen = new Set<string>();
  for (const { target, label: newLabel } of changes) {
    // The same record twice would make two overlapping edits, which a WorkspaceEdit refuses.
    if (seen.has(where(target))) continue;
    seen.add(where(target));
    const label = newLabel.trim();
    const refused = labelProblem(label);
    if (refused) {
      plan.problems.push({ source: where(target), reason: refused });
      continue;
    }
    if (target.label === label) {
      plan.unchanged++;
      continue;
    }
    try {
      const abs = dataset.resolve(target.source.path);
      const edit =
        dataset.format === 'imagefolder'
          ? planMove(dataset, abs, target, label)
          : dataset.format === 'csv'
            ? planCsv(abs, textOf(abs), target, label, dataset)
            : planJsonl(abs, textOf(abs), target, label, dataset);
      plan.edits.push(edit);
    } catch (error) {
      plan.problems.push({ source: where(target), reason: (error as Error).message });
    }
  }
  return plan;
}

/** The line the target's record starts on now; throws (naming the line the analysis saw) when it cannot be proven. */
/** One index per text, shared by every target in it (a bulk relabel would otherwise walk the file once per record). */
const indexes = new WeakMap<object, Map<string, RecordIndex>>();

function indexFor(dataset: DatasetInfo, file: string, text: string, format: TextFormat): RecordIndex {
  let perFile = indexes.get(dataset);
  if (!perFile) indexes.set(dataset, (perFile = new Map()));
  let index = perFile.get(file);
  if (!index) perFile.set(file, (index = indexRecords(text, format, file)));
  return index;
}

function currentLine(
  file: string,
  text: string,
  format: TextFormat,
  target: RelabelTarget,
  dataset: DatasetInfo,
): number {
  const { line, digest } = target.source;
  if (line === undefined) throw new Error('the result has no line number for this record');
  if (!digest)
    throw new Error(
      'these results carry no record fingerprints (an older version made them); re-run the analysis before relabeling',
    );
  const located = locateRecord(
    text,
    format,
    file,
    { line, digest },
    dataset.linesTrusted(file),
    indexFor(dataset, file, text, format),
  );
  if (located.kind !== 'found')
    throw new Error(`the record the analysis saw at line ${line} is ${describeLocated(located)}; re-run the analysis`);
  return located.line;
}

function planCsv(file: string, text: string, target: RelabelTarget, label: string, dataset: DatasetInfo): PlannedEdit {
  const line = currentLine(file, text, 'csv', target, dataset);
  const delimiter = delimiterFor(file, text);
  const column = headerNames(text, delimiter).indexOf(dataset.labelColumn);
  if (column < 0) throw new Error(`the header has no column '${dataset.labelColumn}' any more; re-run the analysis`);
  const record = recordAtLine(text, line, delimiter);
  const field = record?.fields[column];
  if (!record || !field)
    throw new Error(
      `no record with a '${dataset.labelColumn}' field starts on line ${line} any more; re-run the analysis`,
    );
  if (field.value.trim() !== target.label) {
    throw new Error(
      `line ${line} now has the label '${field.value.trim()}', not '${target.label}'; re-run the analysis`,
    );
  }
  return {
    kind: 'replace',
    file,
    start: field.start,
    end: field.end,
    oldText: text.slice(field.start, field.end),
    newText: fieldText(label, field, text, delimiter),
    line,
    analyzedLine: target.source.line!,
    recordText: shortRecordText(text.slice(record.start, record.end)),
  };
}

function planJsonl(
  file: string,
  text: string,
  target: RelabelTarget,
  label: string,
  dataset: DatasetInfo,
): PlannedEdit {
  const line = currentLine(file, text, 'jsonl', target, dataset);
  const span = jsonlLine(text, line);
  const value = span && fieldValueSpan(text, span, dataset.labelColumn);
  if (!span || !value)
    throw new Error(`line ${line} holds no object with a '${dataset.labelColumn}' field any more; re-run the analysis`);
  if (labelOf(value.value) !== target.label) {
    throw new Error(
      `line ${line} now has the label ${JSON.stringify(value.value)}, not '${target.label}'; re-run the analysis`,
    );
  }
  return {
    kind: 'replace',
    file,
    start: value.start,
    end: value.end,
    oldText: text.slice(value.start, value.end),
    newText: labelJson(label, value.value),
    line,
    analyzedLine: target.source.line!,
    recordText: shortRecordText(text.slice(span.start, span.end)),
  };
}

function planMove(dataset: DatasetInfo, abs: string, target: RelabelTarget, label: string): PlannedEdit {
  const nameProblem = folderNameProblem(label);
  if (nameProblem) throw new Error(`'${label}' cannot name a class folder: ${nameProblem}`);
  const folders = (dataset.folders ?? [dataset.root]).map((f) => path.resolve(f));
  // The folder holding the image: the deepest, should the test folder lie inside the dataset folder.
  const home = folders.filter((f) => isInside(f, abs)).sort((a, b) => b.length - a.length)[0];
  if (!home) throw new Error('the image lies outside the dataset folders');
  const segments = path.relative(home, abs).split(path.sep);
  const inDatasetFolder = home === folders[0];
  const k = classSegment(segments, target.label, inDatasetFolder);
  if (k < 0) throw new Error(`its class folder is not named '${target.label}'`);
  if (k === 0 && inDatasetFolder && TRAIN_FOLDERS.has(label.toLowerCase()))
    throw new Error(
      `'${label}' cannot name a class folder here: the analysis would read a ${label}/ folder as the training split ` +
        'and leave out every other class folder',
    );
  const moved = [...segments];
  moved[k] = label;
  const to = dataset.resolve(
    path
      .relative(dataset.root, path.join(home, ...moved))
      .split(path.sep)
      .join('/'),
  );
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
      out.push({ ...e, start, end: start + e.newText.length, oldText: e.newText, newText: e.oldText });
      shift += e.newText.length - (e.end - e.start);
    }
  }
  return out;
}
