/** The text formats a dataset file's extension names: what the loader reads it as, and what the host edits it as. */
import path from 'node:path';
import type { DatasetFormat } from '../types';

export type TextFormat = Exclude<DatasetFormat, 'imagefolder'>;

const TEXT_EXTS: Record<string, TextFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.tab': 'csv',
  '.txt': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

/** The format of a dataset file by its extension; undefined when it names none. */
export function textFormatOf(file: string): TextFormat | undefined {
  return TEXT_EXTS[path.extname(file).toLowerCase()];
}
