/**
 * Reads a results file back (written by the engine, maybe by an older or
 * newer version): checks the parts the host and webview rely on, so a
 * damaged or foreign file gives a clear message instead of a blank panel.
 * The full content is the engine's ResultsFile contract (DESIGN.md §3).
 */
import { promises as fsp } from 'node:fs';
import { SCHEMA_VERSION, type ResultsFile } from '../compute/results/schema';
import { arrayOf, nonNegInt, object, oneOf, optional, str } from '../protocol/check';

const checkSource = object({ path: str, line: optional(nonNegInt), row: optional(nonNegInt) });
const checkRecord = object({ id: nonNegInt, source: checkSource, label: str });
const checkShape = object({
  schemaVersion: oneOf([SCHEMA_VERSION] as const),
  dataset: object({ root: str, format: oneOf(['csv', 'imagefolder', 'jsonl'] as const), labelColumn: str, classes: arrayOf(str) }),
  train: arrayOf(checkRecord),
  test: arrayOf(checkRecord),
});

export class ResultsFileError extends Error {
  override readonly name = 'ResultsFileError';
}

export function parseResults(text: string, file: string): ResultsFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResultsFileError(`${file} is not valid JSON (${(error as Error).message}); re-run the analysis`);
  }
  try {
    checkShape(value, 'results');
  } catch (error) {
    throw new ResultsFileError(`${file} is not a results file this version understands (${(error as Error).message}); re-run the analysis`);
  }
  // The checked fields are what the host indexes by; the rest is passed through as the engine wrote it.
  return value as ResultsFile;
}

export async function readResults(file: string): Promise<ResultsFile> {
  return parseResults(await fsp.readFile(file, 'utf8'), file);
}
