/**
 * Proof, after a relabel was applied, that it changed exactly what was
 * planned: every edited file reads as its old text with the planned spans
 * replaced (so no other byte changed), and it still holds as many records
 * (so no label turned one record into two, or merged lines). Pure: the
 * caller reads the documents and reverts when a problem is returned.
 */
import { DelimitedReader } from '../../compute/data/csvReader';
import { delimiterFor } from './csvRecord';
import type { PlannedEdit } from './relabelPlan';

export interface EditProblem {
  file: string;
  reason: string;
}

/** `text` with the replacements made (spans of the text before any of them). */
export function applyReplacements(text: string, edits: { start: number; end: number; newText: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** The number of records of a CSV/TSV (header included) or JSONL text; undefined when it no longer parses. */
export function countRecords(text: string, format: 'csv' | 'jsonl', file: string): number | undefined {
  if (format === 'jsonl') return text.split('\n').filter((l) => l.trim() !== '').length;
  try {
    const reader = new DelimitedReader(text, delimiterFor(file, text), file);
    let n = 0;
    while (reader.next()) n++;
    return n;
  } catch {
    return undefined;
  }
}

export function verifyTextEdits(
  edits: PlannedEdit[],
  before: Map<string, string>,
  readNow: (file: string) => string | undefined,
  format: 'csv' | 'jsonl',
): EditProblem | undefined {
  const byFile = new Map<string, Extract<PlannedEdit, { kind: 'replace' }>[]>();
  for (const e of edits) if (e.kind === 'replace') byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  for (const [file, list] of byFile) {
    const old = before.get(file);
    const now = readNow(file);
    if (old === undefined || now === undefined)
      return { file, reason: 'the file could not be read back after the edit' };
    if (now !== applyReplacements(old, list))
      return { file, reason: 'the file does not read back as planned after the edit (it changed meanwhile?)' };
    const [countBefore, countAfter] = [countRecords(old, format, file), countRecords(now, format, file)];
    if (countBefore !== countAfter) {
      return {
        file,
        reason:
          `the edit changed the number of records (${countBefore ?? 'unreadable'} ` +
          `→ ${countAfter ?? 'unreadable'})`,
      };
    }
  }
  return undefined;
}
