/**
 * The working budget on the user's precomputed embeddings. Tables, text and
 * images trained here, and samples the user's ONNX model embeds (its width is
 * asked of the model first), are sampled by their loaders before any feature
 * is built (data/sampleBudget.ts); the width of embeddings is known only once
 * they are read, so here the vectors are in memory already and what would
 * overrun the budget is what follows them: the folds' copies, the head's fit
 * and its influence. (A model whose input width is free is sampled here too.) At
 * default options such a run used to be refused (validateRun) where a table
 * of the same size was analyzed on a sample; it now gets the same treatment:
 * the largest stratified sample whose estimated run, beside the whole set's
 * vectors not yet collected, takes at most the loaders' share of the budget,
 * train and test each stratified by class, and the note the loaders write.
 * A run that fits is left exactly as it is, and a user who set the samples
 * or the limit gets that, or validateRun's refusal.
 */
import { budgetSampleWarning, largestSample } from '../data/sampleBudget';
import { stratifiedSubsample } from '../data/split';
import { deriveSeed } from '../random';
import type { LoadedDataset, SplitData } from '../types';
import type { FrozenFeatures } from './fitFrozen';
import { selectRows } from './folds';
import type { AnalyzeOptions } from './options';
import { dataShape, type RunContext, runFitsLimit, sampleBudget } from './validateRun';

export interface FrozenRun {
  data: LoadedDataset;
  frozen: FrozenFeatures;
}

/** `run` itself when it fits (or is the user's choice); else its largest stratified sample that fits, noted. */
export function sampleFrozenToBudget(
  run: FrozenRun,
  options: AnalyzeOptions,
  ctx: RunContext,
  seed: number,
): FrozenRun {
  if (runFitsLimit(options, run.data, ctx)) return run;
  const { data, frozen } = run;
  const shape = dataShape(data);
  const total = shape.nTrain + shape.nTest;
  // The whole set's vectors were read before a sample could be sized, and the collector returns them when it
  // chooses: until then they count against the budget beside the sample's run (measured: 61,511 of 80,000 vectors
  // of 1,024, sized without this, peaked at 2.5 GB against the 2 GB budget).
  const budget = sampleBudget(options, ctx, total * shape.dims * 4);
  if (!budget) return run;
  const kept = largestSample(budget, shape);
  // Too few to learn every class from: validateRun refuses with the ways out.
  if (kept < 2 * data.classes.length) return run;
  // As largestSample sized it: each split keeps its share.
  const trainRows = classSample(data.train, Math.round((kept * shape.nTrain) / total), deriveSeed(seed, 'train'));
  const testRows = classSample(data.test, Math.round((kept * shape.nTest) / total), deriveSeed(seed, 'test'));
  const C = data.classes.length;
  return {
    data: {
      ...data,
      train: takeRows(data.train, data.dims, trainRows),
      test: takeRows(data.test, data.dims, testRows),
      warnings: [...data.warnings, budgetSampleWarning(trainRows.length + testRows.length, total, budget.label)],
    },
    frozen: frozen.userOosProbs ? { ...frozen, userOosProbs: selectRows(frozen.userOosProbs, C, trainRows) } : frozen,
  };
}

/** A stratified sample of one split's rows (ascending, so file order is kept); every class keeps a sample if it can. */
function classSample(split: SplitData, cap: number, seed: number): Int32Array {
  return stratifiedSubsample(Array.from(split.y, String), cap, seed);
}

function takeRows(split: SplitData, dims: number, rows: Int32Array): SplitData {
  return {
    x: selectRows(split.x, dims, rows),
    y: Int32Array.from(rows, (i) => split.y[i]),
    sources: Array.from(rows, (i) => split.sources[i]),
    preview: Array.from(rows, (i) => split.preview[i]),
    ...(split.contentHash && { contentHash: selectRows(split.contentHash, 1, rows) }),
  };
}
