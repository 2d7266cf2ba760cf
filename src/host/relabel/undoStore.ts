/**
 * The last relabel's undo record, kept in the workspace state so "Undo last
 * relabel" still works after a window reload (an image move has no other
 * undo). Undoing stays safe after a reload: undoRelabel checks that every
 * file still holds what the relabel wrote before it touches anything. The
 * stored value is read back through a runtime check (data from disk, written
 * by some version); a damaged record is forgotten, never applied.
 */
import path from 'node:path';
import { arrayOf, bool, type Check, nonNegInt, object, oneOf, optional, str } from '../../protocol/check';
import { DATASET_FORMATS } from '../../protocol/results';
import type { RelabelUndo } from './undoRelabel';
import type { PlannedEdit } from './relabelPlan';

/** The part of vscode.Memento this needs (so tests can pass a Map-backed stand-in). */
export interface StateStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

const KEY = 'influenceLens.lastRelabel';

const checkSource = object({ path: str, line: optional(nonNegInt), row: optional(nonNegInt), digest: optional(str) });
const checkReplace = object({
  kind: oneOf(['replace'] as const),
  file: str,
  start: nonNegInt,
  end: nonNegInt,
  newText: str,
  oldText: str,
  line: nonNegInt,
  analyzedLine: nonNegInt,
  recordText: str,
});
const checkMove = object({ kind: oneOf(['move'] as const), from: str, to: str });
const checkEdit: Check<PlannedEdit> = (v, p) =>
  (v as { kind?: unknown } | null)?.kind === 'move' ? checkMove(v, p) : checkReplace(v, p);
const checkUndo: Check<RelabelUndo> = object({
  datasetPath: str,
  root: str,
  format: oneOf(DATASET_FORMATS),
  label: str,
  bulk: optional(bool),
  inverse: arrayOf(checkEdit),
  written: optional(arrayOf(object({ file: str, sha256: str }))),
  samples: arrayOf(object({ before: checkSource, after: checkSource })),
});

export class UndoStore {
  constructor(private readonly state: StateStore) {}

  /** The last relabel's undo, if one is waiting and reads back intact. */
  last(): RelabelUndo | undefined {
    const raw = this.state.get<unknown>(KEY);
    if (raw === undefined || raw === null) return undefined;
    try {
      return checkUndo(raw, 'lastRelabel');
    } catch {
      return undefined;
    }
  }

  remember(undo: RelabelUndo): PromiseLike<void> {
    return this.state.update(KEY, undo);
  }

  forget(): PromiseLike<void> {
    return this.state.update(KEY, undefined);
  }
}

/** What the panel's undo button says it would undo ("2 samples relabeled as 'cat' in pets"). */
export function describeUndo(undo: RelabelUndo): string {
  const n = undo.samples.length;
  const as = undo.bulk ? `to their suggested labels (${undo.label})` : `as '${undo.label}'`;
  return `${n} sample${n === 1 ? '' : 's'} relabeled ${as} in ${path.basename(undo.datasetPath)}`;
}
