/**
 * Where the records of stale results are now. When a CSV/JSONL dataset
 * changes after its analysis, every line number below the change is off: the
 * panel must neither show nor open nor edit the record that now happens to
 * sit at the old line. Each record is found again by its fingerprint
 * (recordLocator.ts); the rows show where it went, "open" goes there, and a
 * record that is gone or now ambiguous says so instead.
 */
import path from 'node:path';
import { readText } from '../../compute/data/files';
import type { ResultsFile } from '../../compute/results/schema';
import type { SourceRef } from '../../compute/types';
import type { DatasetBoundary } from '../datasetBoundary';
import { describeLocated, indexRecords, type Located, locateRecord, type RecordIndex } from './recordLocator';

/** By `path:line` as the results name the record; only records that moved, went or became ambiguous. */
export type Relocations = Map<string, Located>;

const keyOf = (source: SourceRef) => `${source.path}:${source.line}`;

export async function relocateRecords(
  results: ResultsFile,
  boundary: DatasetBoundary,
  linesTrusted: boolean,
): Promise<Relocations> {
  const format = results.dataset.format;
  const out: Relocations = new Map();
  if (format === 'imagefolder') return out;
  const byFile = new Map<string, SourceRef[]>();
  for (const r of [...results.train, ...results.test]) {
    if (r.source.line === undefined || !r.source.digest) continue;
    byFile.set(r.source.path, [...(byFile.get(r.source.path) ?? []), r.source]);
  }
  for (const [rel, sources] of byFile) {
    const abs = boundary.resolve(rel);
    let text: string;
    try {
      text = await readText(abs, path.basename(abs));
    } catch {
      for (const s of sources) out.set(keyOf(s), { kind: 'gone' });
      continue;
    }
    let index: RecordIndex;
    try {
      index = indexRecords(text, format, abs);
    } catch (error) {
      for (const s of sources) out.set(keyOf(s), { kind: 'unreadable', reason: (error as Error).message });
      continue;
    }
    for (const s of sources) {
      const located = locateRecord(text, format, abs, { line: s.line!, digest: s.digest! }, linesTrusted, index);
      if (located.kind !== 'found' || located.moved) out.set(keyOf(s), located);
    }
  }
  return out;
}

/** The row's note ("now at line 12"), or undefined when the record is where the results say. */
export function relocationNote(relocations: Relocations, source: SourceRef): string | undefined {
  const located = relocations.get(keyOf(source));
  return located ? describeLocated(located) : undefined;
}

/** The file and line to open for a record: where it is now; throws when it is gone or ambiguous. */
export function currentPlace(relocations: Relocations, source: SourceRef): { line?: number } {
  const located = relocations.get(keyOf(source));
  if (!located) return { line: source.line };
  if (located.kind === 'found') return { line: located.line };
  throw new Error(
    `${source.path}:${source.line}: the record the analysis saw there is ` +
      `${describeLocated(located)}; re-run the analysis`,
  );
}
