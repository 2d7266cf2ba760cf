/**
 * Looks at a dataset before an analysis, to ask the user only what cannot be
 * inferred: the label column of a CSV/JSONL file with no column named like a
 * label (the engine would take the last one), and where an image belongs.
 * Reads only the first part of a file. Plain Node.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readTextHead } from '../../compute/data/files';
import { delimiterFor, headerNames } from '../relabel/csvRecord';

/** The names the engine recognises as the label (src/compute/data/detectColumns.ts), in its order. */
const LABEL_NAMES = ['label', 'class', 'target', 'y'];
const TEXT_EXT = /\.(csv|tsv|tab|txt)$/i;
const JSONL_EXT = /\.(jsonl|ndjson)$/i;
const HEAD_BYTES = 256 * 1024;
const SPLIT_FOLDERS = new Set(['train', 'training', 'test', 'val', 'valid', 'validation']);

export interface Probe {
  kind: 'folder' | 'csv' | 'jsonl';
  /** Column/field names (text formats). */
  columns: string[];
  /** The column the engine would take without being told. */
  labelGuess?: string;
  /** True when no column is named like a label, so the guess is only "the last column". */
  ambiguous: boolean;
}

export function isTabularFile(file: string): boolean {
  return TEXT_EXT.test(file) || JSONL_EXT.test(file);
}

export function guessLabel(columns: string[]): { labelGuess?: string; ambiguous: boolean } {
  const lower = columns.map((c) => c.toLowerCase());
  for (const name of LABEL_NAMES) {
    const k = lower.indexOf(name);
    if (k >= 0) return { labelGuess: columns[k], ambiguous: false };
  }
  return { labelGuess: columns[columns.length - 1], ambiguous: columns.length > 1 };
}

export async function probeDataset(datasetPath: string): Promise<Probe> {
  const stat = await fsp.stat(datasetPath);
  if (stat.isDirectory()) return { kind: 'folder', columns: [], ambiguous: false };
  const text = await readTextHead(datasetPath, HEAD_BYTES);
  if (JSONL_EXT.test(datasetPath)) {
    const first = text.split('\n').find((l) => l.trim() !== '');
    let columns: string[] = [];
    try {
      const value: unknown = first ? JSON.parse(first) : undefined;
      if (value && typeof value === 'object' && !Array.isArray(value)) columns = Object.keys(value);
    } catch {
      // The engine reports the bad line with its number; nothing to ask here.
    }
    return { kind: 'jsonl', columns, ...guessLabel(columns) };
  }
  const columns = headerNames(text, delimiterFor(datasetPath, text));
  return { kind: 'csv', columns, ...guessLabel(columns) };
}

/**
 * The image-folder dataset an image belongs to: the folder above its class
 * folder, or above the split folder (train/, test/) when there is one.
 */
export function imageDatasetRoot(imagePath: string): string {
  const classDir = path.dirname(imagePath);
  const above = path.dirname(classDir);
  return SPLIT_FOLDERS.has(path.basename(above).toLowerCase()) ? path.dirname(above) : above;
}
