/**
 * The part of the file system an analysis' results may name, derived from
 * what the user chose (the dataset they right-clicked and the test file or
 * folder the host passed), never read back from the results file: a results
 * file is data, and a crafted one with `root: "/"` must not be able to open
 * /etc/passwd, widen the webview's resource roots or move a file outside the
 * dataset. Text datasets allow exactly their files; image datasets anything
 * inside their folders, checked again through links (realpath).
 */
import path from 'node:path';
import { commonFolder } from '../compute/data/files';
import { textFormatOf } from '../compute/data/textFormats';
import type { DatasetFormat } from '../compute/types';
import { isTabularFile } from './analysis/datasetProbe';
import { isInside, OutsideRootError, realExistingPrefix, realOrSelf, resolveInside } from './paths';

export class DatasetBoundary {
  /** What results paths are relative to: the engine's `dataset.root` for this dataset (src/compute/data). */
  readonly root: string;
  /** Text datasets: the only files a results path may name. */
  readonly files: readonly string[] | undefined;
  /** Image datasets: the folders a results path must lie in; the webview may load thumbnails from them. */
  readonly folders: readonly string[];

  constructor(datasetPath: string, testPath?: string) {
    const dataset = path.resolve(datasetPath);
    const test = testPath !== undefined ? path.resolve(testPath) : undefined;
    if (isTabularFile(dataset)) {
      this.files = test ? [dataset, test] : [dataset];
      this.folders = [];
      this.root = test ? commonFolder(path.dirname(dataset), path.dirname(test)) : path.dirname(dataset);
    } else {
      this.files = undefined;
      this.folders = test ? [dataset, test] : [dataset];
      this.root = test ? commonFolder(dataset, test) : dataset;
    }
  }

  /** Whether results claiming `root` belong to this dataset (the engine derives it the same way). */
  matches(root: string): boolean {
    return path.resolve(root) === this.root;
  }

  /**
   * Why results claiming `format` cannot be this dataset's, or undefined: the format decides how an edit reads the
   * file (a crafted results file claiming 'csv' for an image folder must not get a text file in it edited as a table).
   */
  formatProblem(format: DatasetFormat): string | undefined {
    if (!this.files)
      return format === 'imagefolder'
        ? undefined
        : `the results describe a ${format} file, but the dataset is a folder`;
    const wrong = this.files.find((f) => textFormatOf(f) !== format);
    return wrong ? `the results describe a ${format} dataset, but ${path.basename(wrong)} is not one` : undefined;
  }

  /**
   * The absolute path of a results-relative path (forward slashes), checked
   * lexically and through links; throws OutsideRootError when it is not one
   * of the dataset's files (text) or not inside its folders (images).
   */
  resolve(relative: string): string {
    const abs = resolveInside(this.root, relative);
    if (this.files) {
      if (!this.files.includes(abs)) {
        throw new OutsideRootError(
          `${relative} is not the dataset's file (${this.files.map((f) => path.basename(f)).join(' or ')})`,
        );
      }
      return abs;
    }
    const real = realExistingPrefix(abs);
    if (!this.folders.some((folder) => isInside(folder, abs) && isInside(realOrSelf(folder), real))) {
      throw new OutsideRootError(
        `${relative} lies outside the dataset folder${this.folders.length > 1 ? 's' : ''} ${this.folders.join(', ')}`,
      );
    }
    return abs;
  }
}
