/**
 * Precomputed embeddings for a loaded dataset: from its own columns (CSV/TSV),
 * a number-array field (JSONL), or side files aligned by row; checked
 * (finite, one row per data row, one width) and put in sample order.
 */
import { optionRef } from '../../options/derive';
import path from 'node:path';
import { InputError } from '../../errors';
import type { LoadedDataset } from '../../types';
import { relativePosix } from '../files';
import type { FeatureSourceOptions } from './options';
import { countDataRows, parseColumnChoice, readArrayField, readColumns, readSideFile } from './readers';
import { checkFinite, checkRowCount, gatherRows, type RowMatrix } from './rowMatrix';

export interface DatasetFiles {
  /** The dataset file as the user named it, and absolute. */
  file: string;
  abs: string;
  /** The separate test file, when one was used. */
  testFile?: string;
  testAbs?: string;
}

export interface Embeddings {
  train: Float32Array;
  test: Float32Array;
  dim: number;
  /** Where they came from, for the results: "columns 'emb_*' of train.csv", "side file emb.npy". */
  description: string;
  files: string[];
}

/** The dataset's data files with the path each one's samples carry in SourceRef.path. */
function filesOf(data: LoadedDataset, files: DatasetFiles): { file: string; abs: string; rel: string }[] {
  const list = [{ file: files.file, abs: files.abs, rel: relativePosix(data.root, files.abs) }];
  if (files.testAbs && files.testFile)
    list.push({ file: files.testFile, abs: files.testAbs, rel: relativePosix(data.root, files.testAbs) });
  return list;
}

/** Precomputed embeddings are read by row: an image folder has none (featureSource.ts refuses it before loading). */
export function imageFolderRefusal(file: string): InputError {
  return new InputError(
    file,
    `is an image folder; precomputed embeddings are read by row from a ` +
      `CSV/TSV or JSONL dataset (list the images in a JSONL with an embedding ` +
      `field), or use ${optionRef('modelFile')}`,
  );
}

export async function loadEmbeddings(
  data: LoadedDataset,
  files: DatasetFiles,
  o: FeatureSourceOptions,
): Promise<Embeddings> {
  if (data.format === 'imagefolder') throw imageFolderRefusal(files.file);
  const dataFiles = filesOf(data, files);
  const byPath = new Map<string, RowMatrix>();
  let description: string;
  const used: string[] = [];
  if (o.embeddingsFile !== undefined) {
    const sides = [o.embeddingsFile, o.testEmbeddingsFile];
    if (dataFiles.length > 1 && o.testEmbeddingsFile === undefined) {
      throw new InputError(
        dataFiles[1].file,
        `is the test file, and ${o.embeddingsFile} covers only ${files.file}; ` +
          `expected a second side file for it ` +
          `(${optionRef('testEmbeddingsFile')}), or the embeddings as columns of ` +
          `both files`,
      );
    }
    if (dataFiles.length === 1 && o.testEmbeddingsFile !== undefined) {
      throw new InputError(
        o.testEmbeddingsFile,
        `is for a separate test file, but ${files.file} has none (its test samples are rows of it, covered by ` +
          `${o.embeddingsFile}); expected it with a test file, or left out`,
      );
    }
    for (let k = 0; k < dataFiles.length; k++) {
      const side = sides[k]!;
      const rows = await countDataRows(dataFiles[k].abs, dataFiles[k].file);
      const m = await readSideFile(path.resolve(side), side, `embeddings for ${dataFiles[k].file}`, rows);
      checkRowCount(m, rows, dataFiles[k].file);
      checkFinite(m);
      byPath.set(dataFiles[k].rel, m);
      used.push(side);
    }
    description = `side file ${o.embeddingsFile}${o.testEmbeddingsFile ? ` (test: ${o.testEmbeddingsFile})` : ''}`;
  } else if (o.embeddingField !== undefined) {
    if (data.format !== 'jsonl')
      throw new InputError(
        files.file,
        `is not JSONL; ${optionRef('embeddingField')} names a field of JSONL ` +
          `records (for CSV/TSV use ${optionRef('embeddingColumns')})`,
      );
    for (const f of dataFiles) byPath.set(f.rel, await readArrayField(f.abs, f.file, o.embeddingField));
    description = `field '${o.embeddingField}' of ${files.file}`;
  } else if (o.embeddingColumns !== undefined) {
    if (data.format !== 'csv')
      throw new InputError(
        files.file,
        `is not CSV/TSV; ${optionRef('embeddingColumns')} names columns of a ` +
          `table (for JSONL use ${optionRef('embeddingField')})`,
      );
    const choice = parseColumnChoice(o.embeddingColumns);
    for (const f of dataFiles) byPath.set(f.rel, await readColumns(f.abs, f.file, choice));
    description = `columns ${o.embeddingColumns} of ${files.file}`;
  } else {
    throw new Error('loadEmbeddings called without an embedding option');
  }
  const widths = new Set([...byPath.values()].map((m) => m.cols));
  if (widths.size > 1) {
    const [a, b] = [...byPath.values()];
    throw new InputError(b.file, `has ${b.cols} values per embedding; expected ${a.cols}, as ${a.file} has`);
  }
  const dim = [...widths][0];
  if (!(dim >= 1))
    throw new InputError(files.file, 'the embeddings are empty; expected at least one number per sample');
  return {
    train: gatherRows(data.train.sources, byPath, files.file),
    test: gatherRows(data.test.sources, byPath, files.file),
    dim,
    description,
    files: used,
  };
}
