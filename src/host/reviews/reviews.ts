/**
 * Review decisions on training samples (confirmed mislabel / not an issue /
 * relabeled), keyed by where the sample lives, not by its id: ids are
 * positions in one results file, while a source reference survives a re-run.
 * Pure: the store that persists them is in reviewStore.ts.
 */
import type { SourceRef } from '../../compute/types';

export const REVIEW_STATES = ['confirmed', 'notIssue', 'relabeled'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export interface ReviewDecision {
  source: SourceRef;
  state: ReviewState;
  /** The label the sample had when decided. */
  label: string;
  /** For 'relabeled': the label it was given. */
  newLabel?: string;
  /** ISO time of the decision. */
  decidedAt: string;
}

/**
 * A stable key for a sample: its file plus the data row (rows do not move
 * when a quoted field gains a line), else the line, else the file alone
 * (images, whose path is the identity).
 */
export function sourceKey(source: SourceRef): string {
  if (source.row !== undefined) return `${source.path}#row${source.row}`;
  if (source.line !== undefined) return `${source.path}#line${source.line}`;
  return source.path;
}

export type ReviewBook = Record<string, ReviewDecision>;

/** The book with `state` set (or cleared, for null) on each sample. */
export function applyDecision(
  book: ReviewBook,
  samples: { source: SourceRef; label: string }[],
  state: ReviewState | null,
  now: Date,
  newLabel?: string,
): ReviewBook {
  const next = { ...book };
  for (const s of samples) {
    const key = sourceKey(s.source);
    if (state === null) delete next[key];
    else
      next[key] = {
        source: s.source,
        state,
        label: s.label,
        decidedAt: now.toISOString(),
        ...(newLabel !== undefined ? { newLabel } : {}),
      };
  }
  return next;
}

/**
 * Decisions that match the samples of a results file, by train id. `current`:
 * where a sample is now (a relabeled image moved; its decision is stored
 * under the new path), see sampleMoves.ts.
 */
export function decisionsFor(
  book: ReviewBook,
  train: { id: number; source: SourceRef }[],
  current: (source: SourceRef) => SourceRef = (s) => s,
): Map<number, ReviewDecision> {
  const out = new Map<number, ReviewDecision>();
  for (const t of train) {
    const d = book[sourceKey(current(t.source))];
    if (d) out.set(t.id, d);
  }
  return out;
}

/**
 * An image relabel moves the file: carry the decision over to the new path
 * so it still matches after the re-run.
 */
export function moveDecision(book: ReviewBook, from: SourceRef, to: SourceRef): ReviewBook {
  const key = sourceKey(from);
  const d = book[key];
  if (!d) return book;
  const next = { ...book };
  delete next[key];
  next[sourceKey(to)] = { ...d, source: to };
  return next;
}

/** A plain number cannot be a formula, so a label like "-1" is exported as it is. */
const PLAIN_NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * One CSV cell. Text from the dataset (labels, paths) that a spreadsheet
 * would run as a formula — starting with = + - @, or a tab or CR that some
 * spreadsheets skip before one — gets a leading apostrophe (OWASP's advice
 * against CSV injection); the apostrophe shows in a text editor, which is
 * the price of opening the file safely in Excel or LibreOffice.
 */
export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export const EXPORT_COLUMNS = ['path', 'line', 'row', 'label', 'decision', 'newLabel', 'decidedAt'] as const;

function sorted(book: ReviewBook): ReviewDecision[] {
  return Object.values(book).sort((a, b) =>
    a.source.path < b.source.path
      ? -1
      : a.source.path > b.source.path
        ? 1
        : (a.source.line ?? 0) - (b.source.line ?? 0),
  );
}

/** The decisions as CSV (RFC 4180, CRLF-free: LF line ends), ordered by file and line. */
export function exportCsv(book: ReviewBook): string {
  const rows = sorted(book).map((d) =>
    [d.source.path, d.source.line, d.source.row, d.label, d.state, d.newLabel, d.decidedAt].map(csvCell).join(','),
  );
  return `${[EXPORT_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

export function exportJson(book: ReviewBook, datasetPath: string): string {
  return `${JSON.stringify({ dataset: datasetPath, decisions: sorted(book) }, null, 2)}\n`;
}
