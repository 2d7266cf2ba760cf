/**
 * Finds a record of the analysis in a CSV/TSV/JSONL file as it is now, by
 * the fingerprint of its text (src/compute/data/recordDigest.ts): at the line
 * the analysis saw it on when it is still there, else wherever it went when
 * it now stands at exactly one place. A record that is gone, or that now
 * stands at several places after the file changed (duplicate rows), is not
 * found: an edit must never guess. Pure: no vscode, no fs.
 */
import { DelimitedReader } from '../../compute/data/csvReader';
import { recordDigest } from '../../compute/data/recordDigest';
import { delimiterFor, recordAtLine } from './csvRecord';
import { jsonlLine } from './jsonlRecord';

export type TextFormat = 'csv' | 'jsonl';

export type Located =
  | { kind: 'found'; line: number; moved: boolean }
  | { kind: 'gone' }
  | { kind: 'ambiguous'; count: number }
  | { kind: 'unreadable'; reason: string };

/** The fingerprint of the record that starts at `line`, or undefined when none starts there. */
export function digestAtLine(text: string, format: TextFormat, file: string, line: number): string | undefined {
  if (format === 'csv') {
    const record = recordAtLine(text, line, delimiterFor(file, text));
    return record ? recordDigest(text, record.start, record.end) : undefined;
  }
  const span = jsonlLine(text, line);
  return span ? recordDigest(text.slice(span.start, span.end).trim()) : undefined;
}

/** Every record of a text: the fingerprints by start line and the start lines by fingerprint. */
export interface RecordIndex {
  byLine: Map<number, string>;
  byDigest: Map<string, number[]>;
}

/** Indexes every record of the text in one pass (the header of a CSV included; it never matches a data record's). */
export function indexRecords(text: string, format: TextFormat, file: string): RecordIndex {
  const index: RecordIndex = { byLine: new Map(), byDigest: new Map() };
  const add = (digest: string, line: number) => {
    index.byLine.set(line, digest);
    const lines = index.byDigest.get(digest);
    if (lines) lines.push(line);
    else index.byDigest.set(digest, [line]);
  };
  if (format === 'csv') {
    const reader = new DelimitedReader(text, delimiterFor(file, text), file);
    while (reader.next()) add(reader.digest(), reader.startLine);
    return index;
  }
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end).trim();
    if (raw !== '') add(recordDigest(raw), line);
    start = end + 1;
  }
  return index;
}

/**
 * Where the record with `digest`, seen at `line` by the analysis, is now.
 * `linesTrusted`: the file is known unchanged since the analysis, so a match
 * at the old line is that record even when an identical record stands
 * elsewhere; otherwise an identical twin makes the old line ambiguous too.
 * Many records of one file: build the index once with {@link indexRecords}
 * (finding one record's line alone walks the text from its start).
 */
export function locateRecord(
  text: string,
  format: TextFormat,
  file: string,
  record: { line: number; digest: string },
  linesTrusted: boolean,
  index?: RecordIndex,
): Located {
  const atLine =
    (index ? index.byLine.get(record.line) : digestAtLine(text, format, file, record.line)) === record.digest;
  if (atLine && linesTrusted) return { kind: 'found', line: record.line, moved: false };
  let lines: number[];
  try {
    lines = (index ?? indexRecords(text, format, file)).byDigest.get(record.digest) ?? [];
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message };
  }
  if (lines.length === 0) return { kind: 'gone' };
  if (lines.length > 1) return { kind: 'ambiguous', count: lines.length };
  return { kind: 'found', line: lines[0], moved: lines[0] !== record.line };
}

/** What a located record means for the user, in a few words ("now at line 12"). */
export function describeLocated(located: Located): string {
  switch (located.kind) {
    case 'found':
      return located.moved ? `now at line ${located.line}` : 'unchanged';
    case 'gone':
      return 'no longer in the file as analyzed (changed or removed)';
    case 'ambiguous':
      return `now appears ${located.count} times in the file`;
    case 'unreadable':
      return `the file cannot be read as before (${located.reason})`;
  }
}
