/**
 * Dataset loading: one entry point that recognises the layout (image folder,
 * CSV/TSV, JSONL), reads it without ever writing to it, and returns dense
 * train/test features with a link from every sample back to its file.
 * Bad input raises InputError naming the file, the line and what was expected.
 */
import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import type { LoadedDataset } from '../types';
import { type TextFormat, textFormatOf } from './textFormats';
import { readDelimited, type TextInput } from './csv';
import { commonFolder, relativePosix } from './files';
import { loadImageFolder } from './imageFolder';
import type { ImageLoadOptions } from './imageSet';
import { readJsonl } from './jsonl';
import type { SampleBudget } from './sampleBudget';
import { finishTable } from './tabular';
import { quote } from './quote';

export interface LoadOptions {
  /** Label column/field; else one named label|class|target|y (case-insensitive), else the last one. */
  labelColumn?: string;
  /** A separate test file (same format), or for image folders a folder of class folders. */
  testPath?: string;
  /** Stratified hold-out fraction when nothing else gives a test set; default 0.2. */
  testFraction?: number;
  /** Seeds the hold-out split and the maxSamples subsample; default 0. */
  seed?: number;
  /** Cap on total samples (a deterministic stratified subsample), for huge inputs. */
  maxSamples?: number;
  /**
   * The default working budget (sampleBudget.ts): without maxSamples, the largest stratified sample whose run fits
   * it is loaded, with a note. The pipeline passes it when the user set neither maxSamples nor maxMemoryMB.
   */
  budget?: SampleBudget;
  /** [height, width] for images; default: the most common size, shrunk so the longer side is <= 32. */
  imageSize?: [number, number];
  /** Image channels: true → 1, false → RGB; default: 1 when every image has R = G = B. */
  grayscale?: boolean;
  /** CSV/TSV files larger than this are streamed in pieces (default 256 MB; tests lower it). */
  streamAboveBytes?: number;
  /** Bytes per streamed read (tests lower it). */
  chunkBytes?: number;
  /** Memory a streamed table may take without maxSamples (default 1 GB; tests lower it). */
  memoryBudgetBytes?: number;
  /** Image features instead of pixels (a user's model, issue 15; see ImageLoadOptions.features). */
  imageFeatures?: ImageLoadOptions['features'];
  /** JSONL fields that are not features (an embedding array read by the frozen-feature path). */
  ignoreFields?: string[];
  /**
   * The features come from the user's embeddings or model (pipeline/featureSource.ts): a table's own columns are
   * then neither checked nor featurized (a file of ids and labels beside an embeddings file is a dataset), and the
   * splits carry no features until the source's replace them.
   */
  featuresElsewhere?: boolean;
  /**
   * With featuresElsewhere: the width of the user's model's vector for a table row, known before any row is embedded,
   * so the working budget samples the rows first (absent: the vectors are sampled once read, frozenSample.ts).
   */
  featureWidth?: () => Promise<number>;
  /**
   * Progress: characters (bytes, when streamed) read for CSV/TSV, images decoded for image folders and JSONL images.
   */
  onProgress?: (done: number, total: number) => void;
}

async function statInput(abs: string, given: string, what: string): Promise<Stats> {
  try {
    return await fsp.stat(abs);
  } catch {
    throw new InputError(
      given,
      `${what} does not exist or cannot be read; expected a CSV/TSV file, a JSONL file or an image folder`,
    );
  }
}

function textFormat(abs: string, given: string): TextFormat {
  const format = textFormatOf(abs);
  if (!format) {
    throw new InputError(
      given,
      `unsupported file type ` +
        `${path.extname(abs) ? quote(path.extname(abs)) : "'(none)'"}; expected ` +
        `.csv, .tsv, .txt, .jsonl or .ndjson, or a folder of class folders of ` +
        `images`,
    );
  }
  return format;
}

function checkOptions(given: string, o: LoadOptions): void {
  const bad = (detail: string) => new InputError(given, detail);
  if (o.testFraction !== undefined && !(o.testFraction >= 0 && o.testFraction < 1)) {
    throw bad(`testFraction is ${o.testFraction}; expected a number in [0, 1)`);
  }
  if (o.maxSamples !== undefined && !(Number.isInteger(o.maxSamples) && o.maxSamples >= 2)) {
    throw bad(`maxSamples is ${o.maxSamples}; expected an integer of at least 2`);
  }
  if (o.seed !== undefined && !Number.isFinite(o.seed)) throw bad(`seed is ${o.seed}; expected a finite number`);
  if (o.imageSize !== undefined) {
    const [h, w] = o.imageSize;
    if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 1 && w >= 1 && h * w <= 4096 * 4096)) {
      throw bad(`imageSize is [${o.imageSize.join(', ')}]; expected two positive integers [height, width]`);
    }
  }
}

export async function loadDataset(inputPath: string, options: LoadOptions = {}): Promise<LoadedDataset> {
  checkOptions(inputPath, options);
  const common = {
    testFraction: options.testFraction ?? 0.2,
    seed: options.seed ?? 0,
    maxSamples: options.maxSamples,
    ...(options.maxSamples === undefined && options.budget && { budget: options.budget }),
    imageSize: options.imageSize,
    grayscale: options.grayscale,
    onProgress: options.onProgress,
    features: options.imageFeatures,
    featuresElsewhere: options.featuresElsewhere,
    featureWidth: options.featureWidth,
  };
  const warnings: string[] = [];
  const abs = path.resolve(inputPath);
  const testGiven = options.testPath;
  const testAbs = testGiven !== undefined ? path.resolve(testGiven) : undefined;
  const stat = await statInput(abs, inputPath, 'the dataset');
  const testStat = testAbs !== undefined ? await statInput(testAbs, testGiven!, 'the test set') : undefined;

  if (testStat && testStat.dev === stat.dev && testStat.ino === stat.ino) {
    throw new InputError(
      testGiven!,
      `is the dataset ${inputPath} itself; expected a separate test ${stat.isDirectory() ? 'folder' : 'file'} ` +
        '(its samples would be tested on after being trained on)',
    );
  }

  if (stat.isDirectory()) {
    if (options.labelColumn !== undefined)
      throw new InputError(
        inputPath,
        `is an image folder, whose labels are its class folders; expected no label column (` +
          `${quote(options.labelColumn)} would name one of a CSV/TSV or JSONL file)`,
      );
    if (testStat && !testStat.isDirectory()) {
      throw new InputError(
        testGiven!,
        'is a file, but the dataset is an image folder; expected a folder of class folders as the test set',
      );
    }
    return withTestPath(await loadImageFolder(abs, inputPath, testAbs, common, warnings), testAbs);
  }

  const format = textFormat(abs, inputPath);
  if (testAbs !== undefined && (testStat!.isDirectory() || textFormat(testAbs, testGiven!) !== format)) {
    throw new InputError(
      testGiven!,
      `is not the same format as ${inputPath}; expected a ${format === 'csv' ? 'CSV/TSV' : 'JSONL'} file`,
    );
  }
  const root = testAbs !== undefined ? commonFolder(path.dirname(abs), path.dirname(testAbs)) : path.dirname(abs);
  const train: TextInput = { abs, file: inputPath, rel: relativePosix(root, abs) };
  const test: TextInput | undefined =
    testAbs !== undefined ? { abs: testAbs, file: testGiven!, rel: relativePosix(root, testAbs) } : undefined;
  const table =
    format === 'csv'
      ? await readDelimited(train, test, options.labelColumn, warnings, options.onProgress, {
          maxSamples: options.maxSamples,
          seed: options.seed,
          streamAboveBytes: options.streamAboveBytes,
          chunkBytes: options.chunkBytes,
          memoryBudgetBytes: options.memoryBudgetBytes,
          budget: common.budget,
        })
      : await readJsonl(train, test, options.labelColumn, warnings, options.ignoreFields, {
          maxSamples: options.maxSamples,
          budget: common.budget,
          seed: common.seed,
          testFraction: common.testFraction,
          featuresElsewhere: options.featuresElsewhere,
        });
  return withTestPath(await finishTable(table, root, format, common, warnings), testAbs);
}

/** Records which test file or folder was used, so the results can name it. */
function withTestPath(data: LoadedDataset, testAbs: string | undefined): LoadedDataset {
  return testAbs !== undefined ? { ...data, testPath: relativePosix(data.root, testAbs) } : data;
}
