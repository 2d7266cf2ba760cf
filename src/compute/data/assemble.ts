/**
 * The format-independent middle of every loader: from one label per
 * candidate sample (and maybe a given split) to the final train/test index
 * lists and class indices. Runs before features are built, so `maxSamples`
 * also saves the decoding / featurizing of what is left out.
 */
import { InputError } from '../errors';
import type { LoadedDataset, SourceRef, SplitData } from '../types';
import { listSome } from './files';
import { budgetSampleWarning, largestSample, type SampleBudget } from './sampleBudget';
import { compareLabels, stratifiedHoldout, stratifiedSubsample } from './split';
import { SPLIT_TEST } from './table';
import { quote } from './quote';

export interface PlanInput {
  /** Label per candidate sample; null when it is missing (the sample is skipped). */
  labels: (string | null)[];
  /** SPLIT_TRAIN / SPLIT_TEST per sample when the data says, else null (hold-out). */
  split: Uint8Array | null;
  splitSource: Exclude<LoadedDataset['testSource'], 'holdout'> | null;
  /** File or folder named in errors about the whole dataset. */
  file: string;
  /** What the label is called in messages: "column 'species'", "class folders". */
  labelWhat: string;
  /** The line that defines the label (the CSV header; the first JSONL record), for whole-label errors. */
  labelLine?: number;
  /** Where sample i is, for warnings ("line 12"). */
  where: (i: number) => string;
  testFraction: number;
  seed: number;
  maxSamples?: number;
  /** Refuse a label with mostly distinct values (a regression target picked as the label); off for folder names. */
  refuseContinuous: boolean;
  /**
   * The label is the last column or field only because none is named label, class, target or y ('column' or
   * 'field'): said in a warning, and refused when it holds measurements rather than classes (guessedLabelProblem).
   */
  labelGuessed?: 'column' | 'field';
  /**
   * The default working budget (sampleBudget.ts) and a bound on the features per sample: absent when the user chose
   * `maxSamples` or `maxMemoryMB`. Past it, a stratified sample that fits is kept, and a note says so. Without `dims`
   * (the user's embeddings, read after loading) nothing more is sampled here, but a sample the reader already took
   * (`sampledFrom`) is noted.
   */
  budget?: { budget: SampleBudget; dims?: number; imageShape?: [number, number, number] };
  /** Labeled samples in the files when the loader already kept only a budget sample of them (for the note). */
  sampledFrom?: number;
}

export interface SamplePlan {
  /** Candidate indices of the train and test samples, ascending. */
  train: Int32Array;
  test: Int32Array;
  classes: string[];
  yTrain: Int32Array;
  yTest: Int32Array;
  testSource: LoadedDataset['testSource'];
}

export function planSamples(p: PlanInput, warnings: string[]): SamplePlan {
  let keep: number[] = [];
  const unlabeled: number[] = [];
  p.labels.forEach((l, i) => (l === null ? unlabeled : keep).push(i));
  if (unlabeled.length > 0) {
    warnings.push(
      `Skipped ${unlabeled.length} sample${unlabeled.length === 1 ? '' : 's'} with an empty label in ${p.labelWhat} ` +
        `(${listSome(unlabeled.map(p.where))}).`,
    );
  }
  if (keep.length === 0)
    throw new InputError(p.file, `every label in ${p.labelWhat} is empty; expected a class name per sample`);
  const labelOf = (i: number) => p.labels[i]!;

  const distinct = new Set(keep.map(labelOf)).size;
  const lookalikes = lookalikeClasses(new Set(keep.map(labelOf)));
  if (lookalikes)
    warnings.push(
      `Classes ${lookalikes} in ${p.labelWhat} differ only in how they are written (Unicode form, or the same ` +
        'number); they are analyzed as different classes: if they are one, write them the same way.',
    );
  if (p.refuseContinuous && distinct > 100 && distinct > 0.5 * keep.length) {
    throw new InputError(
      p.file,
      `${p.labelWhat} has ${distinct} distinct values in ${keep.length} samples; expected class labels ` +
        `(a few values, each repeated), not a continuous target — choose another label column`,
    );
  }

  if (p.labelGuessed) {
    const problem = guessedLabelProblem(new Set(keep.map(labelOf)));
    const which = `no ${p.labelGuessed} is named label, class, target or y, so the last, ${p.labelWhat}, was taken`;
    if (problem)
      throw new InputError(
        p.file,
        `${which} as the label, but it ${problem}; expected the label ${p.labelGuessed} chosen by name (the ` +
          `${p.labelGuessed} of classes)`,
        p.labelLine,
      );
    warnings.push(`${which[0].toUpperCase()}${which.slice(1)} as the label (choose another by name if it is not).`);
  }

  // Whether the data marks test rows at all, before a sample may leave none of them.
  const marksTest = p.split !== null && p.splitSource !== null && keep.some((i) => p.split![i] === SPLIT_TEST);
  if (p.maxSamples !== undefined && keep.length > p.maxSamples) {
    const keys = keep.map((i) => `${p.split ? p.split[i] : ''}\u0000${labelOf(i)}`);
    const chosen = stratifiedSubsample(keys, p.maxSamples, p.seed);
    warnings.push(`Kept a stratified subsample of ${chosen.length} of ${keep.length} samples (maxSamples).`);
    keep = Array.from(chosen, (k) => keep[k]);
  }
  if (p.budget) {
    const before = keep.length;
    if (p.budget.dims !== undefined) keep = withinBudget(p, keep, distinct, p.budget.dims);
    if (keep.length < before || p.sampledFrom !== undefined)
      warnings.push(budgetSampleWarning(keep.length, p.sampledFrom ?? before, p.budget.budget.label));
  }

  let testSource: SamplePlan['testSource'] = 'holdout';
  let isTest: Uint8Array | null = null;
  if (p.split && p.splitSource) {
    testSource = p.splitSource;
    isTest = Uint8Array.from(keep, (i) => (p.split![i] === SPLIT_TEST ? 1 : 0));
    const nTest = isTest.reduce((a, b) => a + b, 0);
    if (nTest === keep.length) {
      throw new InputError(p.file, `every sample is in the test split; expected some samples with split 'train'`);
    }
    if (nTest === 0) {
      warnings.push(
        `${marksTest ? `The sample of ${keep.length} kept no row of the test split` : 'No sample is marked as test'}; ` +
          `held out ${Math.round(p.testFraction * 100)}% of the data instead.`,
      );
      testSource = 'holdout';
    }
  }
  if (!isTest || testSource === 'holdout') isTest = stratifiedHoldout(keep.map(labelOf), p.testFraction, p.seed);
  const testFlags = isTest;

  const train: number[] = [];
  const test: number[] = [];
  keep.forEach((i, k) => (testFlags[k] ? test : train).push(i));
  if (test.length === 0 && p.testFraction > 0)
    warnings.push(
      'No test sample: no class has enough samples to hold one out. Label issues are found as usual, but nothing ' +
        'is measured on a test set (accuracy, influence on test predictions, harmful samples).',
    );
  const trainClasses = new Set(train.map(labelOf));
  if (trainClasses.size < 2) {
    const only = trainClasses.size === 1 ? ` (${quote([...trainClasses][0])})` : '';
    throw new InputError(
      p.file,
      `the training data has only ${trainClasses.size === 1 ? 'one class' : 'no samples'}${only} in ${p.labelWhat}; ` +
        `expected at least two classes`,
      p.labelLine,
    );
  }
  const firstOfClass = new Map<string, { first: number; count: number }>();
  for (const i of train) {
    const seen = firstOfClass.get(labelOf(i));
    if (seen) seen.count++;
    else firstOfClass.set(labelOf(i), { first: i, count: 1 });
  }
  const singletons = [...firstOfClass].filter(([, c]) => c.count === 1).map(([label, c]) => [label, c.first] as const);
  if (singletons.length > 0) {
    // Not an error (a rare class is real data), but its numbers mean little: in cross-fitting, the
    // fold that holds its one sample is trained without the class, so that sample always looks mislabeled.
    warnings.push(
      `Class${singletons.length === 1 ? '' : 'es'} ` +
        `${listSome(singletons.map(([c, i]) => `${quote(c)} (${p.where(i)})`))} ` +
        `${singletons.length === 1 ? 'has' : 'have'} a single training sample; expected at least two per class: ` +
        'such a sample is scored by held-out models that never saw its class, so it tends to look suspicious.',
    );
  }
  const testOnly = [...new Set(test.map(labelOf))].filter((c) => !trainClasses.has(c));
  if (testOnly.length > 0) {
    warnings.push(
      `Class${testOnly.length === 1 ? '' : 'es'} ` +
        `${listSome(testOnly.map((c) => quote(c)))} ${testOnly.length === 1 ? 'appears' : 'appear'} only in the ` +
        'test data.',
    );
  }
  const classes = [...new Set([...trainClasses, ...testOnly])].sort(compareLabels);
  const index = new Map(classes.map((c, k) => [c, k]));
  return {
    train: Int32Array.from(train),
    test: Int32Array.from(test),
    classes,
    yTrain: Int32Array.from(train, (i) => index.get(labelOf(i))!),
    yTest: Int32Array.from(test, (i) => index.get(labelOf(i))!),
    testSource,
  };
}

/**
 * Class names that are the same name written differently: composed and decomposed accents (NFC and NFD look alike
 * on screen), or one number in two forms ('1' and '1.0'). Up to three groups, as "'1' and '1.0'; 'café' and
 * 'café'"; undefined when there are none.
 */
export function lookalikeClasses(labels: Set<string>): string | undefined {
  const groups = new Map<string, string[]>();
  for (const label of labels) {
    const number = label.trim() !== '' ? Number(label) : NaN;
    const key = Number.isFinite(number) ? `#${number}` : label.normalize('NFC');
    groups.set(key, [...(groups.get(key) ?? []), label]);
  }
  const same = [...groups.values()].filter((g) => g.length > 1);
  if (same.length === 0) return undefined;
  return same
    .slice(0, 3)
    .map((g) => g.map((label) => quote(label)).join(' and '))
    .join('; ');
}

/**
 * Why a label column taken for want of a name holds measurements rather than classes, or undefined: numbers with a
 * fractional part (a width of 0.2 and 1.3 is no class), or more than 50 distinct numbers. Integers up to 50 distinct
 * values pass: digits 0–9 or class ids are classes.
 */
export function guessedLabelProblem(values: Set<string>): string | undefined {
  const numbers = [...values].filter((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  if (numbers.length < values.size) return undefined;
  const fractional = numbers.filter((v) => !Number.isInteger(Number(v)));
  if (fractional.length > 0)
    return `holds numbers with fractions (${listSome(fractional.slice(0, 3).map((v) => quote(v)))}), a measurement`;
  if (values.size > 50) return `holds ${values.size} distinct numbers, a measurement or an id`;
  return undefined;
}

/**
 * The largest stratified sample of `keep` whose run fits the working budget, split train/test as it will be
 * (by the given split, else the hold-out fraction); all of `keep` when it fits, and also when not even two
 * samples per class fit (then the run is refused before training, with what would make it fit).
 */
function withinBudget(p: PlanInput, keep: number[], numClasses: number, dims: number): number[] {
  const { budget, imageShape } = p.budget!;
  let nTest = 0;
  if (p.split && p.splitSource) for (const i of keep) nTest += p.split[i] === SPLIT_TEST ? 1 : 0;
  if (nTest === 0) nTest = Math.round(keep.length * p.testFraction);
  const k = largestSample(budget, { nTrain: keep.length - nTest, nTest, numClasses, dims, imageShape });
  if (k >= keep.length || k < 2 * numClasses) return keep;
  const keys = keep.map((i) => `${p.split ? p.split[i] : ''}\u0000${p.labels[i]}`);
  return Array.from(stratifiedSubsample(keys, k, p.seed), (j) => keep[j]);
}

/** A split's data from candidate indices. */
export function splitData(
  x: Float32Array,
  y: Int32Array,
  rows: Int32Array,
  sources: SourceRef[],
  previews: string[] | null,
  contentHashes?: ArrayLike<number>,
): SplitData {
  return {
    x,
    y,
    sources: Array.from(rows, (r) => sources[r]),
    preview: Array.from(rows, (r) => (previews ? previews[r] : '')),
    ...(contentHashes ? { contentHash: Float64Array.from(rows, (r) => contentHashes[r]) } : {}),
  };
}
