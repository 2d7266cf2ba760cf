/**
 * The user's own out-of-sample predicted probabilities (cleanlab's
 * `pred_probs`), one row per data row of the dataset file, used instead of
 * cross-fitting the head. Columns are classes: named by a CSV header (any
 * order), else the classes in the engine's sorted order. Every row must be a
 * probability vector (entries in [0, 1], summing to 1 within 1e-3).
 */
import path from 'node:path';
import { InputError } from '../../errors';
import type { LoadedDataset } from '../../types';
import { relativePosix } from '../files';
import { quote } from '../quote';
import type { DatasetFiles } from './embeddingSource';
import { countDataRows, readSideFile } from './readers';
import { checkFinite, checkRowCount, gatherRows64 } from './rowMatrix';

export async function loadUserProbabilities(
  data: LoadedDataset,
  files: DatasetFiles,
  file: string,
): Promise<Float64Array> {
  const c = data.classes.length;
  const rows = await countDataRows(files.abs, files.file);
  // A header of numbers names the classes when its names are the classes (numeric class names, as pandas writes).
  const namesClasses = (names: string[]) => names.length === c && data.classes.every((name) => names.includes(name));
  const m = await readSideFile(path.resolve(file), file, `probabilities for ${files.file}`, rows, namesClasses);
  checkRowCount(m, rows, files.file);
  checkFinite(m);
  let order: number[];
  if (m.header) {
    const missing = data.classes.filter((name) => !m.header!.includes(name));
    if (missing.length > 0 || m.header.length !== c) {
      throw new InputError(
        file,
        `the header names ${m.header.map((h) => quote(h)).join(', ')}; expected ` +
          `one column per class: ${data.classes.map((h) => quote(h)).join(', ')}`,
        1,
      );
    }
    order = data.classes.map((name) => m.header!.indexOf(name));
  } else {
    if (m.cols !== c) {
      throw new InputError(
        file,
        `has ${m.cols} columns; expected ${c}, one per class in the order ` +
          `${data.classes.map((h) => quote(h)).join(', ')} (or a header line ` +
          `naming the classes)`,
      );
    }
    order = data.classes.map((_, k) => k);
  }
  for (let r = 0; r < m.rows; r++) {
    let sum = 0;
    for (let k = 0; k < m.cols; k++) {
      const v = m.values[r * m.cols + k];
      if (v < 0 || v > 1)
        throw new InputError(file, `row ${r + 1} holds ${v}; expected probabilities in [0, 1]`, m.lines?.[r]);
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3)
      throw new InputError(
        file,
        `row ${r + 1} sums to ${sum.toPrecision(6)}; expected probabilities that sum to 1`,
        m.lines?.[r],
      );
  }
  const rel = relativePosix(data.root, files.abs);
  const trainSources = data.train.sources;
  const foreign = trainSources.find((s) => s.path !== rel);
  if (foreign)
    throw new InputError(
      file,
      `covers ${files.file}, but training sample ${foreign.path} comes from ` +
        `another file; expected every training sample in ${files.file}`,
    );
  const gathered = gatherRows64(trainSources, new Map([[rel, m]]), files.file);
  const probs = new Float64Array(trainSources.length * c);
  for (let i = 0; i < trainSources.length; i++) {
    let sum = 0;
    for (let k = 0; k < c; k++) sum += gathered[i * m.cols + order[k]];
    // Renormalised in float64 (float32 storage and rounding in the file leave sums of 1 ± 1e-7).
    for (let k = 0; k < c; k++) probs[i * c + k] = gathered[i * m.cols + order[k]] / sum;
  }
  return probs;
}
