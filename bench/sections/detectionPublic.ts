/**
 * Section 2, beside cleanlab: public datasets that Debian packages ship
 * (bench/data/publicSets.ts) with known label noise — uniform and
 * class-conditional ("confusable pairs"), several rates and seeds — analyzed
 * by the CLI with its defaults. On the same out-of-sample probabilities
 * (read from the saved fit, `--fit-cache`), cleanlab's documented rankings
 * (self-confidence, normalized margin) and counts (num_label_issues,
 * 'off_diagonal' and 'off_diagonal_calibrated'; src/compute/mislabel/cleanlab.ts)
 * are scored beside ours. Where Debian's scikit-learn is there, a plain
 * LogisticRegression on the same files gives the test accuracy our default
 * model is held to.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  normalizedMarginForEachLabel,
  numLabelIssues,
  selfConfidenceForEachLabel,
} from '../../src/compute/mislabel/cleanlab';
import { COUNT_ESTIMATORS, type CountEstimator, countBy } from '../../src/compute/mislabel/count';
import { decodeFitFile } from '../../src/compute/pipeline/fitFile';
import type { ResultsFile } from '../../src/compute/results/schema';
import { ensureDebianPackages } from '../data/debianPackages';
import { type NoiseKind, writeNoisyTable } from '../data/noisyTable';
import { PUBLIC_SETS, type PublicSet, setAvailable } from '../data/publicSets';
import { log } from '../lib/log';
import { type RankingQuality, rankingQuality } from '../lib/ranking';
import { runCliAnalyze } from '../lib/runCli';

export const PUBLIC_RANKINGS = [
  'suspicion',
  'cleanlabSelfConfidence',
  'cleanlabMargin',
  'trainLoss',
  'selfInfluence',
] as const;
export type PublicRanking = (typeof PUBLIC_RANKINGS)[number];

export const PUBLIC_RANKING_LABELS: Record<PublicRanking, string> = {
  suspicion: 'suspicion (Influence Lens)',
  cleanlabSelfConfidence: 'cleanlab self-confidence',
  cleanlabMargin: 'cleanlab normalized margin',
  trainLoss: 'training loss',
  selfInfluence: 'self-influence',
};

export const COUNTS = ['influenceLens', 'cleanlabOffDiagonal', 'cleanlabCalibrated'] as const;
export type CountName = (typeof COUNTS)[number];
export const COUNT_LABELS: Record<CountName, string> = {
  influenceLens: 'Influence Lens estimate',
  cleanlabOffDiagonal: "cleanlab num_label_issues (default, 'off_diagonal')",
  cleanlabCalibrated: "cleanlab 'off_diagonal_calibrated'",
};

export interface PublicCase {
  set: string;
  title: string;
  kind: PublicSet['kind'];
  noiseKind: NoiseKind;
  noise: number;
  seed: number;
  ok: boolean;
  error?: string;
  nTrain?: number;
  nTest?: number;
  classes?: number;
  flipped?: number;
  model?: string;
  /** Why the engine chose this model (absent before --model auto). */
  modelReason?: string;
  testAccuracy?: number | null;
  /** scikit-learn LogisticRegression on the same files (null: Python/scikit-learn unavailable). */
  sklearnLogregAccuracy?: number | null;
  quality?: Record<PublicRanking, RankingQuality>;
  counts?: Record<CountName, number>;
  /** The count's likely range, when the engine gives one. */
  countRange?: [number, number];
  /** Every count estimator the engine has, on the same probabilities (for choosing one on held-out settings). */
  estimatorCounts?: Record<CountEstimator, number>;
  /** The share of out-of-sample self-confidence the core's calibration chose (the rest is the margin). */
  selfConfidenceShare?: number;
  wallSeconds?: number;
}

export interface PublicPlan {
  sets: string[];
  kinds: NoiseKind[];
  noise: number[];
  seeds: number[];
}

/**
 * The seeds the count estimator is chosen on; the report scores it on the others (so it is not tuned to what it is
 * scored on).
 */
export const COUNT_SELECTION_SEEDS = [0];
/** The scikit-learn comparison runs at this noise level only (it measures the model, not the ranking). */
export const SKLEARN_NOISE = 0.1;

export function publicPlan(quick: boolean, only: string[] | null): PublicPlan {
  const all = PUBLIC_SETS.map((s) => s.id);
  // BENCH_PUBLIC_NOISE=0.1,0.2 / BENCH_PUBLIC_SEEDS=0: a smaller grid when time is short (the report lists what ran).
  const env = (name: string) =>
    process.env[name]
      ?.split(',')
      .map(Number)
      .filter((v) => Number.isFinite(v));
  const noise = env('BENCH_PUBLIC_NOISE');
  const seeds = env('BENCH_PUBLIC_SEEDS');
  if (!quick && (noise?.length || seeds?.length)) {
    return {
      sets: only ?? all,
      kinds: ['uniform', 'pairs'],
      noise: noise?.length ? noise : [0.05, 0.1, 0.2, 0.3],
      seeds: seeds?.length ? seeds : [0, 1, 2],
    };
  }
  return quick
    ? { sets: only ?? ['wine', 'cancer'], kinds: ['uniform', 'pairs'], noise: [0.1], seeds: [0] }
    : { sets: only ?? all, kinds: ['uniform', 'pairs'], noise: [0.05, 0.1, 0.2, 0.3], seeds: [0, 1, 2] };
}

export async function runPublicDetection(options: {
  quick: boolean;
  tempDir: string;
  sets: string[] | null;
}): Promise<{ cases: PublicCase[]; skipped: string[] }> {
  const plan = publicPlan(options.quick, options.sets);
  const cases: PublicCase[] = [];
  const skipped: string[] = [];
  const sklearn = ensureDebianPackages(['python3-sklearn'], () =>
    fs.existsSync('/usr/lib/python3/dist-packages/sklearn/__init__.py'),
  );
  if (!sklearn.ok) skipped.push(`scikit-learn comparison: ${sklearn.note}`);
  let counter = 0;
  for (const id of plan.sets) {
    const set = PUBLIC_SETS.find((s) => s.id === id);
    if (!set) throw new Error(`no public set '${id}' (${PUBLIC_SETS.map((s) => s.id).join(', ')})`);
    const installed = ensureDebianPackages(set.packages, () => setAvailable(set));
    if (!installed.ok) {
      skipped.push(`${set.title}: ${installed.note}`);
      continue;
    }
    const table = set.load();
    for (const noiseKind of plan.kinds) {
      for (const noise of plan.noise) {
        for (const seed of plan.seeds) {
          const base: PublicCase = { set: set.id, title: set.title, kind: set.kind, noiseKind, noise, seed, ok: false };
          const file = path.join(
            options.tempDir,
            `public-${set.id}-${noiseKind}-${Math.round(noise * 100)}-s${seed}.csv`,
          );
          try {
            const noisy = writeNoisyTable(file, table, { noise, kind: noiseKind, seed });
            const fitPath = `${file}.fit`;
            const run = await runCliAnalyze({
              dataset: file,
              args: ['--seed', String(seed), '--fit-cache', fitPath],
              outFile: path.join(options.tempDir, `public-${counter++}.json`),
              timeoutSeconds: 900,
            });
            if (!run.results) throw new Error(run.error ?? 'no results');
            const oos = decodeFitFile(fs.readFileSync(fitPath)).arrays.get('oosProbs');
            if (!(oos instanceof Float64Array)) throw new Error('the saved fit has no out-of-sample probabilities');
            const scored = scoreCase(run.results, oos, noisy.flips);
            const sk = sklearn.ok && noise === SKLEARN_NOISE ? sklearnLogreg(file, set.kind) : null;
            const done: PublicCase = {
              ...base,
              ...scored,
              sklearnLogregAccuracy: sk,
              wallSeconds: run.wallSeconds,
              ok: true,
            };
            if (process.env.BENCH_KEEP_SIGNALS) keepSignals(`${file}.signals.json`, run.results, oos, noisy.flips);
            fs.rmSync(fitPath, { force: true });
            fs.rmSync(`${fitPath}.scores`, { force: true });
            const q = done.quality!;
            log(
              `detection: ${set.id} ${noiseKind} ${pct(noise)} seed ${seed} ` +
                `(${done.model}): AUROC ours ${q.suspicion.auroc.toFixed(3)} ` +
                (`cleanlab sc ${q.cleanlabSelfConfidence.auroc.toFixed(3)} margin ` +
                  `${q.cleanlabMargin.auroc.toFixed(3)}; AUPRC ours ` +
                  `${q.suspicion.auprc.toFixed(3)} `) +
                (`sc ${q.cleanlabSelfConfidence.auprc.toFixed(3)}; count ` +
                  `${done.counts!.influenceLens} vs cleanlab ` +
                  `${done.counts!.cleanlabOffDiagonal} (true ${done.flipped}); `) +
                `test acc ${fmtAcc(done.testAccuracy)} vs sklearn logreg ${fmtAcc(sk)}`,
            );
            cases.push(done);
          } catch (err) {
            log(`detection: ${set.id} ${noiseKind} ${pct(noise)} seed ${seed} FAILED: ${(err as Error).message}`);
            cases.push({ ...base, error: (err as Error).stack ?? String(err) });
          }
          fs.rmSync(file, { force: true });
        }
      }
    }
  }
  return { cases, skipped };
}

type Flips = Map<number, [string, string]>;

function scoreCase(results: ResultsFile, oos: Float64Array, flips: Flips): Partial<PublicCase> {
  const classes = results.dataset.classes;
  const C = classes.length;
  const index = new Map(classes.map((c, k) => [c, k]));
  const n = results.train.length;
  if (oos.length !== n * C) throw new Error(`out-of-sample probabilities: ${oos.length} values for ${n} × ${C}`);
  // Records are sorted by suspicion; the fit's arrays are in training order (record id).
  const y = new Int32Array(n);
  const positives = new Array<boolean>(n).fill(false);
  for (const r of results.train) {
    y[r.id] = index.get(r.label)!;
    positives[r.id] = flips.has(r.source.line ?? -1);
  }
  const flipped = positives.filter(Boolean).length;
  if (flipped !== flips.size) throw new Error(`${flipped} of ${flips.size} flipped rows matched in the results`);
  const byId = <T>(pick: (r: ResultsFile['train'][number]) => T) => {
    const out = new Array<T>(n);
    for (const r of results.train) out[r.id] = pick(r);
    return out;
  };
  const sc = selfConfidenceForEachLabel(oos, y, C);
  const margin = normalizedMarginForEachLabel(oos, y, C);
  const scores: Record<PublicRanking, ArrayLike<number>> = {
    suspicion: byId((r) => r.suspicion),
    cleanlabSelfConfidence: Array.from(sc, (v) => -v),
    cleanlabMargin: Array.from(margin, (v) => -v),
    trainLoss: byId((r) => r.loss),
    selfInfluence: byId((r) => r.selfInfluence),
  };
  const quality = {} as Record<PublicRanking, RankingQuality>;
  for (const k of PUBLIC_RANKINGS) quality[k] = rankingQuality(scores[k], positives);
  const range = results.labelIssues.estimatedRange;
  const estimatorCounts = Object.fromEntries(COUNT_ESTIMATORS.map((e) => [e, countBy(e, oos, y, C)])) as Record<
    CountEstimator,
    number
  >;
  const share = results.labelIssues.suspicion?.calibration?.selfConfidenceShare;
  const model = results.model as ResultsFile['model'] & { reason?: string };
  return {
    nTrain: n,
    nTest: results.test.length,
    classes: C,
    flipped,
    model: model.kind,
    ...(model.reason ? { modelReason: model.reason } : {}),
    testAccuracy: results.model.testAccuracy,
    quality,
    counts: {
      influenceLens: results.labelIssues.estimatedCount,
      cleanlabOffDiagonal: numLabelIssues(oos, y, C, 'off_diagonal'),
      cleanlabCalibrated: numLabelIssues(oos, y, C, 'off_diagonal_calibrated'),
    },
    ...(range ? { countRange: [range.low, range.high] as [number, number] } : {}),
    estimatorCounts,
    ...(share !== undefined ? { selfConfidenceShare: share } : {}),
  };
}

/** For studying the ranking offline (BENCH_KEEP_SIGNALS=1 with --keep-temp): the per-sample signals of one case. */
function keepSignals(file: string, results: ResultsFile, oos: Float64Array, flips: Flips): void {
  const rows = [...results.train].sort((a, b) => a.id - b.id);
  fs.writeFileSync(
    file,
    JSON.stringify({
      classes: results.dataset.classes,
      y: rows.map((r) => results.dataset.classes.indexOf(r.label)),
      positive: rows.map((r) => flips.has(r.source.line ?? -1)),
      oos: Array.from(oos),
      loss: rows.map((r) => r.loss),
      selfInfluence: rows.map((r) => r.selfInfluence),
      suspicion: rows.map((r) => r.suspicion),
      signals: results.labelIssues.suspicion ?? null,
    }),
  );
}

const SKLEARN_SCRIPT = `
import csv, sys, warnings
warnings.filterwarnings('ignore')
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.impute import SimpleImputer
from sklearn.feature_extraction.text import TfidfVectorizer
rows = list(csv.reader(open(sys.argv[1], newline='')))
body = rows[1:]
train = [r for r in body if r[0] == 'train']
test = [r for r in body if r[0] == 'test']
if sys.argv[2] == 'text':
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=5000))
    X = lambda rs: [r[1] for r in rs]
else:
    model = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=5000))
    X = lambda rs: np.array([[float(v) if v != '' else np.nan for v in r[1:-1]] for r in rs])
model.fit(X(train), [r[-1] for r in train])
print(float(np.mean(model.predict(X(test)) == np.array([r[-1] for r in test]))))
`;

/**
 * Test accuracy of scikit-learn's default LogisticRegression (standardized features; TF-IDF for text) on the same split
 * and labels.
 */
function sklearnLogreg(file: string, kind: PublicSet['kind']): number | null {
  const r = spawnSync('/usr/bin/python3', ['-c', SKLEARN_SCRIPT, file, kind], { encoding: 'utf8', timeout: 300_000 });
  const value = Number(r.stdout?.trim());
  if (r.status !== 0 || !Number.isFinite(value)) {
    log(
      `scikit-learn logistic regression failed on ${path.basename(file)}: ${(r.stderr ?? '').trim().split('\n').pop()}`,
    );
    return null;
  }
  return value;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function fmtAcc(a: number | null | undefined): string {
  return a === null || a === undefined ? 'n/a' : `${(a * 100).toFixed(1)}%`;
}
