/**
 * A number matrix with one row per data row of a dataset file, and what
 * produced it (for messages). Every reader of per-sample numbers —
 * embedding columns, a JSONL array field, a side file, the user's own
 * out-of-sample probabilities — produces one, and gatherRows() turns it into
 * the engine's sample order.
 */
import { InputError } from '../../errors';
import type { SourceRef } from '../../types';

export interface RowMatrix {
  rows: number;
  cols: number;
  /** Row-major, rows × cols (float32 where the file holds float32). */
  values: Float32Array | Float64Array;
  /** The file the numbers came from, as the user named it. */
  file: string;
  /** What the numbers are, for messages: "columns emb_0…emb_63", "field 'vec'". */
  what: string;
  /** 1-based line of each row in `file`, when it is a text file (for messages). */
  lines?: Int32Array;
}

/**
 * The numbers of each sample, in sample order, float32: sample i is row
 * `sources[i].row` of the matrix given for `sources[i].path` (the dataset
 * file's path relative to the dataset root). A sample from a file without a
 * matrix, or a row past the matrix's end, is an InputError.
 */
export function gatherRows(sources: SourceRef[], byPath: Map<string, RowMatrix>, datasetFile: string): Float32Array {
  return gatherInto(sources, byPath, datasetFile, (n) => new Float32Array(n));
}

/** The same in float64 (probabilities, whose rows must keep summing to 1). */
export function gatherRows64(sources: SourceRef[], byPath: Map<string, RowMatrix>, datasetFile: string): Float64Array {
  return gatherInto(sources, byPath, datasetFile, (n) => new Float64Array(n));
}

function gatherInto<T extends Float32Array | Float64Array>(
  sources: SourceRef[],
  byPath: Map<string, RowMatrix>,
  datasetFile: string,
  make: (n: number) => T,
): T {
  const first = byPath.values().next().value;
  if (!first) throw new Error('gatherRows needs at least one matrix');
  const cols = first.cols;
  const out = make(sources.length * cols);
  sources.forEach((s, i) => {
    const m = byPath.get(s.path);
    if (!m) {
      throw new InputError(
        datasetFile,
        `sample ${s.path}${s.line ? `:${s.line}` : ''} has no embedding: ` +
          `nothing was given for ${s.path}; expected embeddings for every file of ` +
          `the dataset`,
      );
    }
    if (s.row === undefined || s.row >= m.rows) {
      throw new InputError(
        m.file,
        `has ${m.rows} rows, but ${s.path} has a data row ` +
          `${s.row === undefined ? '(none: not a text file)' : s.row + 1}; ` +
          `expected one row per data row of ${s.path}, in the same order`,
      );
    }
    if (m.cols !== cols)
      throw new InputError(m.file, `has ${m.cols} values per row; expected ${cols}, as the other file gives`);
    const from = s.row * cols;
    for (let k = 0; k < cols; k++) out[i * cols + k] = m.values[from + k];
  });
  return out;
}

/** The first non-finite value of a matrix as an InputError naming where it is; nothing when all are finite. */
export function checkFinite(m: RowMatrix): void {
  for (let k = 0; k < m.values.length; k++) {
    if (!Number.isFinite(m.values[k])) {
      const row = Math.floor(k / m.cols);
      const col = k % m.cols;
      throw new InputError(
        m.file,
        `${m.what}: row ${row + 1}, value ${col + 1} is ${m.values[k]}; expected finite numbers (no NaN, no infinity)`,
        m.lines?.[row],
      );
    }
  }
}

/** A side file's row count must equal the dataset file's data rows exactly (a shorter or longer file is misaligned). */
export function checkRowCount(m: RowMatrix, expected: number, datasetFile: string): void {
  if (m.rows !== expected) {
    throw new InputError(
      m.file,
      `has ${m.rows} row${m.rows === 1 ? '' : 's'}; expected ${expected}, one ` +
        `per data row of ${datasetFile} in the same order`,
    );
  }
}
