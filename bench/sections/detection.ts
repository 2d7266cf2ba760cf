/**
 * Section 2 — mislabel detection (DESIGN.md §5): inject label noise with a
 * fixed seed, rank the training samples by `suspicion`, and compare with the
 * single-signal baselines on the same run: training loss, out-of-sample
 * margin (lower = more suspicious, so it is negated), self-influence, and the
 * exact expectation of a random ranking.
 */
import path from 'node:path';
import { buildDemoDataset } from '../../src/compute/demo/buildDemo';
import type { ResultsFile } from '../../src/compute/results/schema';
import type { ModelKind } from '../../src/compute/types';
import { writeNoisyIris } from '../data/noisyIris';
import { log } from '../lib/log';
import { bestRecallAt, randomRankingQuality, type RankingQuality, rankingQuality, recallCurve } from '../lib/ranking';
import { runCliAnalyze } from '../lib/runCli';

export const SIGNALS = ['suspicion', 'outOfSampleMargin', 'trainLoss', 'selfInfluence'] as const;
export type Signal = (typeof SIGNALS)[number];

export const SIGNAL_LABELS: Record<Signal | 'random', string> = {
  suspicion: 'suspicion (Influence Lens)',
  outOfSampleMargin: 'out-of-sample margin (lowest first)',
  trainLoss: 'training loss',
  selfInfluence: 'self-influence',
  random: 'random (expected)',
};

export interface DetectionCase {
  dataset: 'demo' | 'iris';
  name: string;
  model: ModelKind;
  /** Extra CLI flags beyond the defaults (a diagnostic variant), e.g. ['--epochs', '200']. */
  extraArgs?: string[];
  noise: number;
  seed: number;
  ok: boolean;
  error?: string;
  wallSeconds?: number;
  nTrain?: number;
  flipped?: number;
  testAccuracy?: number | null;
  /** The engine's confident-learning estimate of how many labels are wrong. */
  estimatedCount?: number;
  /** Share of the flipped samples whose suggested label is the true one. */
  suggestionAccuracy?: number;
  quality?: Record<Signal, RankingQuality>;
  random?: RankingQuality;
  bestRecallAt?: Record<string, number>;
  /** Recall after inspecting a fraction of the ranking, per signal (for the plot). */
  curves?: Record<Signal, { x: number; y: number }[]>;
}

export interface DetectionSection {
  cases: DetectionCase[];
}

export async function runDetection(options: { quick: boolean; tempDir: string }): Promise<DetectionSection> {
  const cases: DetectionCase[] = [];
  const demoNoise = options.quick ? [0.1] : [0.05, 0.1, 0.2];
  const irisSeeds = options.quick ? [0] : [0, 1, 2, 3, 4];
  let counter = 0;
  const outFile = () => path.join(options.tempDir, `detection-${counter++}.json`);

  for (const noise of demoNoise) {
    const base: DetectionCase = { dataset: 'demo', name: `MNIST demo 3000, ${pct(noise)} noise`, model: 'mlp', noise, seed: 0, ok: false };
    cases.push(
      await guarded(base, async () => {
        const dir = path.join(options.tempDir, `demo-${Math.round(noise * 100)}`);
        const manifest = buildDemoDataset(dir, { samples: 3000, noiseRate: noise, seed: 0 });
        const truth = new Map(manifest.flipped.map((f) => [f.imagePath, f.trueLabel]));
        log(`detection: ${base.name}: ${manifest.flipped.length} of ${manifest.nTrain} training labels flipped; analyzing (mlp) …`);
        const run = await runCliAnalyze({ dataset: path.join(dir, 'images'), args: ['--model', 'mlp'], outFile: outFile(), timeoutSeconds: 600 });
        if (!run.results) throw new Error(run.error ?? 'no results');
        return { ...score(run.results, (r) => truth.get(r.source.path)), wallSeconds: run.wallSeconds };
      }),
    );
  }

  for (const seed of irisSeeds) {
    const file = path.join(options.tempDir, `iris-seed${seed}.csv`);
    const iris = writeNoisyIris(file, { noise: 0.1, seed });
    // The logreg variant with more epochs is a diagnostic: the cross-fitting fold models get
    // only Adam (5 epochs ≈ 5 steps on 96 samples by default), unlike the main model's exact head fit.
    const variants: [ModelKind, string[]][] = [['logreg', []], ['mlp', []], ['logreg', ['--epochs', '200']]];
    for (const [model, extraArgs] of variants) {
      const base: DetectionCase = {
        dataset: 'iris', name: `Iris, 10% noise, seed ${seed}`, model, noise: 0.1, seed, ok: false, ...(extraArgs.length ? { extraArgs } : {}),
      };
      cases.push(
        await guarded(base, async () => {
          log(`detection: ${base.name}: ${iris.flips.size} of ${iris.nTrain} training labels flipped; analyzing (${variantLabel(base)}) …`);
          const run = await runCliAnalyze({ dataset: file, args: ['--model', model, ...extraArgs], outFile: outFile(), timeoutSeconds: 300 });
          if (!run.results) throw new Error(run.error ?? 'no results');
          return { ...score(run.results, (r) => iris.flips.get(r.source.line ?? -1)?.[0]), wallSeconds: run.wallSeconds };
        }),
      );
    }
  }
  return { cases };
}

async function guarded(base: DetectionCase, body: () => Promise<Partial<DetectionCase>>): Promise<DetectionCase> {
  try {
    const result = { ...base, ...(await body()), ok: true };
    const q = result.quality!;
    log(
      `detection: ${base.name} (${variantLabel(base)}): AUROC suspicion ${q.suspicion.auroc.toFixed(3)}, margin ${q.outOfSampleMargin.auroc.toFixed(3)}, ` +
        `loss ${q.trainLoss.auroc.toFixed(3)}, self-influence ${q.selfInfluence.auroc.toFixed(3)}`,
    );
    return result;
  } catch (err) {
    log(`detection: ${base.name} (${variantLabel(base)}) FAILED: ${(err as Error).message}`);
    return { ...base, ok: false, error: (err as Error).stack ?? String(err) };
  }
}

type TrainRecord = ResultsFile['train'][number];

/** `trueLabelOf` returns the true label of a flipped sample, undefined for a clean one. */
function score(results: ResultsFile, trueLabelOf: (r: TrainRecord) => string | undefined): Partial<DetectionCase> {
  const positives = results.train.map((r) => trueLabelOf(r) !== undefined);
  const flipped = positives.filter(Boolean).length;
  if (flipped === 0) throw new Error('no flipped sample was matched in the results file');
  const scores: Record<Signal, number[]> = {
    suspicion: results.train.map((r) => r.suspicion),
    outOfSampleMargin: results.train.map((r) => -r.outOfSampleMargin),
    trainLoss: results.train.map((r) => r.loss),
    selfInfluence: results.train.map((r) => r.selfInfluence),
  };
  const n = results.train.length;
  const fractions = Array.from({ length: 101 }, (_, i) => i / 100);
  const quality = {} as Record<Signal, RankingQuality>;
  const curves = {} as Record<Signal, { x: number; y: number }[]>;
  for (const s of SIGNALS) {
    quality[s] = rankingQuality(scores[s], positives);
    curves[s] = recallCurve(scores[s], positives, fractions);
  }
  let right = 0;
  for (const r of results.train) {
    const truth = trueLabelOf(r);
    if (truth !== undefined && r.suggestedLabel === truth) right++;
  }
  return {
    nTrain: n,
    flipped,
    testAccuracy: results.model.testAccuracy,
    estimatedCount: results.labelIssues.estimatedCount,
    suggestionAccuracy: right / flipped,
    quality,
    random: randomRankingQuality(n, flipped),
    bestRecallAt: bestRecallAt(n, flipped),
    curves,
  };
}

/** 'logreg' or 'logreg --epochs 200'. */
export function variantLabel(c: Pick<DetectionCase, 'model' | 'extraArgs'>): string {
  return [c.model, ...(c.extraArgs ?? [])].join(' ');
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
