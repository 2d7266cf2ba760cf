/**
 * The default working budget: when the user set neither `maxSamples` nor
 * `maxMemoryMB`, an input whose analysis would need more memory than the
 * budget is analyzed on the largest stratified sample that fits, and the
 * results say so. (A user who sets either option gets exactly that, or a
 * refusal naming what would fit: pipeline/validateRun.ts.)
 *
 * The loaders know the number of samples, their labels and a bound on the
 * features per sample before any feature is built; the pipeline knows what a
 * run of that shape costs (pipeline/memoryEstimate.ts). This module is the
 * meeting point: `fits` is the pipeline's estimate as a predicate, and the
 * loaders search it for the largest sample.
 */
import { optionRef } from '../options/derive';
import { formatCount } from '../formatCount';

/** The shape the pipeline's estimate needs, as far as the loader knows it. */
export interface SampleShape {
  nTrain: number;
  nTest: number;
  numClasses: number;
  /** Features per sample: an upper bound while loading (text columns as their 512 buckets). */
  dims: number;
  /** [height, width, channels] of image inputs. */
  imageShape?: [number, number, number];
}

export interface SampleBudget {
  /** Whether a run of this shape stays within the budget. */
  fits: (shape: SampleShape) => boolean;
  /** The budget as the message names it: "2 GB". */
  label: string;
  /**
   * What a loader's table (cells, sources, previews: before any feature) may take, bytes: it lives beside the
   * features while they are built, so it gets a share of the budget.
   */
  loadBytes: number;
}

/** The largest total of samples, split as `shape` is, whose run fits; `total` when all do, 0 when none does. */
export function largestSample(budget: SampleBudget, shape: SampleShape): number {
  const total = shape.nTrain + shape.nTest;
  const at = (m: number): SampleShape => ({
    ...shape,
    nTrain: Math.round((m * shape.nTrain) / total),
    nTest: Math.round((m * shape.nTest) / total),
  });
  if (budget.fits(shape)) return total;
  let lo = 0;
  let hi = total;
  // fits(at(lo)) holds (or lo = 0), fits(at(hi)) does not.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (budget.fits(at(mid))) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The note a run on an automatic sample carries (results, CLI summary, panel). */
export function budgetSampleWarning(kept: number, of: number, label: string): string {
  return (
    `Analyzed a stratified sample of ${formatCount(kept)} of ${formatCount(of)} samples ` +
    `to stay within ${label} of memory; set ${optionRef('maxSamples')} to choose.`
  );
}

/**
 * Bytes a loaded row costs besides its cells (its source with the fingerprint, preview, label, content hash),
 * measured on a whole load: 1M CSV rows of three short words took ~450 MB before their features.
 */
const LOAD_ROW_BYTES = 500;

/**
 * The most rows whose loader table fits the budget's `loadBytes` (each row: its cells as numbers, its text cells as
 * strings of at most its share of the file, and LOAD_ROW_BYTES), or undefined when all `rows` do.
 */
export function tableCap(budget: SampleBudget, rows: number, features: number, rowChars: number): number | undefined {
  const perRow = features * 9 + rowChars + LOAD_ROW_BYTES;
  return rows * perRow <= budget.loadBytes ? undefined : Math.max(2, Math.floor(budget.loadBytes / perRow));
}
