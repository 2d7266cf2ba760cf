/**
 * How well a results file finds the demo's flipped labels: the suspicion
 * ranking and the single-signal baselines it must beat, on the same run.
 */
import { auroc, recallAtFraction } from '../compute/stats/metrics';
import type { ResultsFile } from '../compute/results/schema';
import type { DemoManifest } from './buildDemo';

export interface RankingQuality {
  auroc: number;
  /** Recall of flipped samples among the top 10% of the ranking. */
  recallAt10: number;
}

export interface FlipDetection {
  flipped: number;
  suspicion: RankingQuality;
  baselines: { trainLoss: RankingQuality; selfInfluence: RankingQuality; outOfSampleMargin: RankingQuality };
  /** Share of the flipped samples whose suggested label is the true one. */
  suggestionAccuracy: number;
}

function quality(scores: number[], positives: boolean[]): RankingQuality {
  return { auroc: auroc(scores, positives), recallAt10: recallAtFraction(scores, positives, 0.1) };
}

/** `format` says which copy of the demo was analyzed: the image folder or digits.csv. */
export function scoreFlipDetection(
  results: ResultsFile,
  manifest: DemoManifest,
  format: 'images' | 'csv',
): FlipDetection {
  const keyOf = (source: { path: string; line?: number }) => (format === 'images' ? source.path : String(source.line));
  const truth = new Map(manifest.flipped.map((f) => [format === 'images' ? f.imagePath : String(f.csvLine), f]));
  const positives = results.train.map((r) => truth.has(keyOf(r.source)));
  const found = positives.filter(Boolean).length;
  if (found !== manifest.flipped.length) {
    throw new Error(`only ${found} of ${manifest.flipped.length} flipped samples were matched in the results`);
  }
  let rightSuggestions = 0;
  results.train.forEach((r) => {
    const f = truth.get(keyOf(r.source));
    if (f && r.suggestedLabel === f.trueLabel) rightSuggestions++;
  });
  return {
    flipped: found,
    suspicion: quality(
      results.train.map((r) => r.suspicion),
      positives,
    ),
    baselines: {
      trainLoss: quality(
        results.train.map((r) => r.loss),
        positives,
      ),
      selfInfluence: quality(
        results.train.map((r) => r.selfInfluence),
        positives,
      ),
      outOfSampleMargin: quality(
        results.train.map((r) => -r.outOfSampleMargin),
        positives,
      ),
    },
    suggestionAccuracy: rightSuggestions / Math.max(found, 1),
  };
}
