/**
 * RawTable (from CSV/TSV or JSONL) → LoadedDataset: column kinds, the
 * train/test plan, then features fitted on the training rows — or, for
 * JSONL records that name images, the decoded images.
 */
import path from 'node:path';
import { InputError } from '../errors';
import type { DatasetFormat, LoadedDataset, SplitData } from '../types';
import { planSamples, splitData } from './assemble';
import { inferKinds } from './detectColumns';
import { fitFeaturizer, transform } from './featurize';
import {
  type FeatureBound,
  type ImageFile,
  type ImageLoadOptions,
  imageFeatureBound,
  imageFingerprints,
  loadImageRuns,
} from './imageSet';
import type { SampleBudget } from './sampleBudget';
import { CELL_MISSING, type RawTable, rowLocation } from './table';
import { TEXT_BUCKETS } from './tfidf';
import { MAX_CATEGORIES } from './featurize';
import type { ColumnKind } from './detectColumns';
import { quote } from './quote';
import { listSome } from './files';

export interface TableOptions extends ImageLoadOptions {
  testFraction: number;
  seed: number;
  maxSamples?: number;
  /** The default working budget (sampleBudget.ts); absent when the user chose maxSamples or maxMemoryMB. */
  budget?: SampleBudget;
  /** The features come from the user's embeddings or model: build none from the table's columns (LoadOptions). */
  featuresElsewhere?: boolean;
  /** With featuresElsewhere: the width of the user's model's vector per row (LoadOptions). */
  featureWidth?: () => Promise<number>;
}

export async function finishTable(
  table: RawTable,
  root: string,
  format: Exclude<DatasetFormat, 'imagefolder'>,
  opts: TableOptions,
  warnings: string[],
): Promise<LoadedDataset> {
  if (format === 'csv') {
    const headless = headerLooksLikeData(table);
    if (headless) warnings.push(headless);
  }
  // Kinds first: a junk value in a numeric column is a structural error and should be reported as such.
  const ownFeatures = !table.image && !opts.featuresElsewhere;
  const kinds = ownFeatures ? inferKinds(table, warnings) : [];
  const what = format === 'csv' ? 'column' : 'field';
  const imageFiles = table.image && imageList(table, table.image);
  // A manifest's images with the user's embeddings (a JSONL field) as features: fingerprinted, never decoded.
  const imagesAsFeatures = imageFiles && (!opts.featuresElsewhere || opts.features !== undefined);
  // The working budget's bound on the features per sample, before any is built: the table's columns (their types),
  // the images' pixels or the user's model's vector; none for embeddings read afterwards (frozenSample.ts samples
  // them once their width is known).
  let bound: FeatureBound | undefined;
  if (opts.budget) {
    if (imagesAsFeatures) bound = imageFiles.length > 0 ? await imageFeatureBound(imageFiles, opts) : undefined;
    else if (ownFeatures) bound = { dims: featureBound(table, kinds) };
    else if (opts.featureWidth) bound = { dims: await opts.featureWidth() };
  }
  const plan = planSamples(
    {
      labels: table.labels,
      split: table.split,
      splitSource: table.testSource,
      file: table.files[0],
      labelWhat: `${what} ${quote(table.labelColumn)}`,
      labelLine: format === 'csv' ? 1 : table.sources[0]?.line,
      where: (i) => `${table.sources[i].path}:${table.sources[i].line}`,
      testFraction: opts.testFraction,
      seed: opts.seed,
      maxSamples: opts.maxSamples,
      refuseContinuous: true,
      ...(table.labelGuessed && { labelGuessed: what }),
      ...(opts.budget && { budget: { budget: opts.budget, ...bound } }),
      ...(table.sampledFrom !== undefined && { sampledFrom: table.sampledFrom }),
    },
    warnings,
  );

  let xTrain: Float32Array;
  let xTest: Float32Array;
  let dims: number;
  let imageShape: [number, number, number] | undefined;
  let imageHashes: Float64Array | undefined;
  if (imagesAsFeatures) {
    const { runs, shape, contentHash } = await loadImageRuns(imageRows(imageFiles, plan), opts, [
      plan.train.length,
      plan.test.length,
    ]);
    imageShape = shape;
    dims = shape[0] * shape[1] * shape[2];
    [xTrain, xTest] = runs;
    // The images are the samples: their bytes are their content.
    imageHashes = contentHash;
  } else if (!ownFeatures) {
    dims = 0;
    xTrain = new Float32Array(0);
    xTest = new Float32Array(0);
    if (imageFiles) imageHashes = await imageFingerprints(imageRows(imageFiles, plan), opts);
  } else {
    const featurizer = fitFeaturizer(table, kinds, plan.train, plan.test, warnings);
    dims = featurizer.dims;
    xTrain = transform(featurizer, plan.train);
    // Every column constant over the training rows (each encoded as 0): nothing to learn from, and a network
    // trained on all-zero inputs diverges rather than saying so.
    if (dims === 0 || !anyColumnVaries(xTrain, dims)) {
      throw new InputError(
        table.files[0],
        `no usable feature ${what}s besides the label ${quote(table.labelColumn)}; expected at least one ${what} ` +
          `with numbers, categories or text that varies between samples`,
      );
    }
    xTest = transform(featurizer, plan.test);
  }
  return {
    root,
    format,
    labelColumn: table.labelColumn,
    classes: plan.classes,
    dims,
    ...(imageShape ? { imageShape } : {}),
    testSource: plan.testSource,
    train: withHashes(
      splitData(xTrain, plan.yTrain, plan.train, table.sources, table.previews, table.contentHashes),
      imageHashes,
      0,
      plan.train.length,
    ),
    test: withHashes(
      splitData(xTest, plan.yTest, plan.test, table.sources, table.previews, table.contentHashes),
      imageHashes,
      plan.train.length,
      plan.train.length + plan.test.length,
    ),
    warnings,
  };
}

/** Image rows: the fingerprints of the image files (in train-then-test order) replace the record's. */
function withHashes(split: SplitData, imageHashes: Float64Array | undefined, start: number, end: number): SplitData {
  return imageHashes ? { ...split, contentHash: imageHashes.slice(start, end) } : split;
}

/**
 * An upper bound on the features the featurizer will build, known before it runs (featurize.ts): one per numeric
 * column, a slot per category (at most MAX_CATEGORIES) and one for missing per categorical column, the hash buckets
 * of a text column.
 */
export function featureBound(table: RawTable, kinds: ColumnKind[]): number {
  let dims = 0;
  table.columns.forEach((col, k) => {
    if (kinds[k] === 'numeric') dims += 1;
    else if (kinds[k] === 'text') dims += TEXT_BUCKETS;
    else if (kinds[k] === 'categorical') {
      const seen = new Set<string>();
      for (let r = 0; r < table.n && seen.size <= MAX_CATEGORIES; r++)
        if (col.state[r] !== CELL_MISSING) seen.add(col.strs![r]);
      dims += Math.min(seen.size, MAX_CATEGORIES) + 1;
    }
  });
  return dims;
}

/** The planned samples' images, train then test (the order of the splits' rows). */
function imageRows(files: ImageFile[], plan: { train: Int32Array; test: Int32Array }): ImageFile[] {
  return [...plan.train, ...plan.test].map((r) => files[r]);
}

/** The images a manifest names, row by row, as the image loader takes them. */
/** Whether any column of a row-major n × d matrix holds two different values. */
function anyColumnVaries(x: Float32Array, d: number): boolean {
  for (let i = d; i < x.length; i++) if (x[i] !== x[i % d]) return true;
  return false;
}

/**
 * The images a JSONL list names, each called in messages by its path and the record that names it: "a/1.png (line 6
 * of list.jsonl)", so a missing or broken image leads back to the line to fix.
 */
function imageList(table: RawTable, image: NonNullable<RawTable['image']>): ImageFile[] {
  return image.abs.map((abs, r) => {
    const { file, line } = rowLocation(table, r);
    return { abs, file: `${image.user[r]} (${line !== undefined ? `line ${line} of ` : ''}${file})` };
  });
}

/**
 * A CSV without a header line loses its first row to the header, silently: its cells become the column names. Said
 * when the names look like that row — most of them numbers, and the label's name one of the classes in the rows.
 * (Numbered pixel columns under a 'label' column are a real header: 'label' is no class.)
 */
function headerLooksLikeData(table: RawTable): string | undefined {
  const numeric = table.columns.filter((c) => c.name.trim() !== '' && Number.isFinite(Number(c.name))).length;
  if (numeric === 0 || numeric < table.columns.length / 2 || !table.labels.includes(table.labelColumn))
    return undefined;
  const names = listSome(
    [...table.columns.map((c) => c.name), table.labelColumn].map((n) => quote(n)),
    4,
  );
  return (
    `The first line of ${path.basename(table.files[0])} looks like data, not a header (${names}: numbers, and ` +
    `${quote(table.labelColumn)} is a class in the rows); it was read as the header, so it is not a sample. ` +
    'If the file has no header line, add one (e.g. x1,x2,…,label).'
  );
}
