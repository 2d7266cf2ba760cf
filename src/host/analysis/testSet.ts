/**
 * Which test set an analysis uses, decided here in the host and passed to the
 * engine explicitly (JobOptions.testPath): the host's containment boundary
 * and its stale watcher come from datasetPath + testPath, so the engine must
 * never pick a test file the host does not know about. The user's remembered
 * choice ("choose model and label…") wins; else the test file found beside
 * the dataset (compute/data/testPartner.ts). Pure.
 */
import path from 'node:path';
import type { TestPartner } from '../../compute/data/testPartner';

/** What the user chose for the test set of one dataset; absent = found automatically. */
export type TestChoice = { kind: 'holdout' } | { kind: 'file'; path: string };

export interface TestSet {
  /**
   * The separate test file (or folder) for the engine; undefined: a split column, a test/ folder inside, or a hold-out.
   */
  testPath?: string;
  /** For the progress notification and the log: which test set, and why. */
  description: string;
}

export function testSetFor(
  datasetPath: string,
  choice: TestChoice | undefined,
  partner: TestPartner,
  isFolder: boolean,
): TestSet {
  const name = path.basename(datasetPath);
  const holdout = isFolder ? `a test/ folder inside ${name}, else a 20% hold-out` : `a 20% hold-out of ${name}`;
  if (choice?.kind === 'file') return { testPath: choice.path, description: `${path.basename(choice.path)} (chosen)` };
  if (choice?.kind === 'holdout') return { description: `${holdout} (chosen)` };
  switch (partner.kind) {
    case 'file':
      return { testPath: partner.testPath, description: partner.reason };
    case 'split-column':
      return { description: partner.reason };
    default:
      return { description: partner.candidates.length ? `${holdout}: ${partner.reason}` : holdout };
  }
}

/** A remembered choice read back from the workspace state (data from disk: checked). */
export function parseTestChoice(raw: unknown): TestChoice | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  if (r.kind === 'holdout') return { kind: 'holdout' };
  if (r.kind === 'file' && typeof r.path === 'string' && path.isAbsolute(r.path)) return { kind: 'file', path: r.path };
  return undefined;
}
