/**
 * Section 5 — data issues beyond labels (issue 17), on the noisy MNIST demo
 * (10% of training labels flipped) with planted problems whose truth we know:
 * - 2% of the training images copied into the test folder (leakage): half
 *   byte for byte (found by content fingerprint), half with one pixel changed
 *   by 40 grey levels (found by k-NN in feature space); one in three filed
 *   under another digit (a copy with a changed label);
 * - 1% of the training images replaced by uniform noise (outliers).
 * Reported: recall and precision of the leaked copies and of the planted
 * outliers at the engine's stated cuts, the outlier score's AUROC, and the
 * remove-the-top-1%-harmful check (predicted next to actual test loss and
 * accuracy) that every analysis runs. Beside ours, cleanlab Datalab's
 * default outlier and near-duplicate checks on the same files
 * (issuesDatalab.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { buildDemoDataset } from '../../src/demo/buildDemo';
import { encodeGrayPng } from '../../src/demo/grayPng';
import { createRng, permutation } from '../../src/compute/random';
import type { ResultsFile } from '../../src/compute/results/schema';
import { loadDataset } from '../../src/compute/data';
import { decodeFitFile } from '../../src/compute/pipeline/fitFile';
import { log } from '../lib/log';
import { compareDatalab, type DatalabComparison } from './issuesDatalab';
import { rankingQuality } from '../lib/ranking';
import { runCliAnalyze } from '../lib/runCli';

export interface IssuesBench {
  samples: number;
  nTrain: number;
  nTest: number;
  wallSeconds: number;
  issuesSeconds: number;
  leaked: {
    planted: number;
    exactPlanted: number;
    nearPlanted: number;
    foundExact: number;
    foundNear: number;
    flagged: number;
    recall: number;
    precision: number;
  };
  /** Planted copies with a changed label whose set is flagged as a label conflict. */
  conflicts: { planted: number; found: number };
  outliers: {
    planted: number;
    flagged: number;
    found: number;
    recall: number;
    precision: number;
    auroc: number;
    cut: number;
  };
  removal: NonNullable<NonNullable<ResultsFile['issues']>['harmful']['removal']> | null;
  counts: NonNullable<ResultsFile['issues']>['counts'] | null;
  search: string;
  /** cleanlab Datalab's default checks on the same files (absent in runs from before the comparison). */
  datalab?: DatalabComparison[];
}

function listPngs(dir: string): string[] {
  const out: string[] = [];
  for (const label of fs.readdirSync(dir).sort()) {
    for (const f of fs.readdirSync(path.join(dir, label)).sort()) if (f.endsWith('.png')) out.push(`${label}/${f}`);
  }
  return out;
}

export async function runIssuesBench(options: { quick: boolean; tempDir: string }): Promise<IssuesBench> {
  const samples = options.quick ? 2000 : 8600;
  const dir = path.join(options.tempDir, 'issues-mnist');
  buildDemoDataset(dir, { samples, noiseRate: 0.1, seed: 0 });
  const images = path.join(dir, 'images');
  const train = listPngs(path.join(images, 'train'));
  const rng = createRng(17);
  const order = permutation(train.length, rng);
  const nLeak = Math.round(0.02 * train.length);
  const nNoise = Math.round(0.01 * train.length);
  const copies = new Map<string, { source: string; exact: boolean; relabeled: boolean }>();
  for (let k = 0; k < nLeak; k++) {
    const source = train[order[k]];
    const [label] = source.split('/');
    const relabeled = k % 3 === 2;
    const target = relabeled ? String((Number(label) + 1 + (k % 9)) % 10) : label;
    const exact = k % 2 === 0;
    let bytes: Buffer = fs.readFileSync(path.join(images, 'train', source));
    if (!exact) {
      const png = PNG.sync.read(bytes);
      const gray = new Uint8Array(png.width * png.height);
      for (let p = 0; p < gray.length; p++) gray[p] = png.data[p * 4];
      const p = 14 * 28 + 14;
      gray[p] = gray[p] > 127 ? gray[p] - 40 : gray[p] + 40;
      bytes = encodeGrayPng(gray, png.width, png.height);
    }
    const rel = `test/${target}/leak-${k}.png`;
    fs.mkdirSync(path.dirname(path.join(images, rel)), { recursive: true });
    fs.writeFileSync(path.join(images, rel), bytes);
    copies.set(rel, { source: `train/${source}`, exact, relabeled });
  }
  const noise = new Set<string>();
  for (let k = nLeak; k < nLeak + nNoise; k++) {
    const rel = `train/${train[order[k]]}`;
    const pixels = Uint8Array.from({ length: 28 * 28 }, () => Math.floor(rng() * 256));
    fs.writeFileSync(path.join(images, rel), encodeGrayPng(pixels, 28, 28));
    noise.add(rel);
  }
  log(
    `issues: MNIST ${samples}: ${nLeak} training images copied into test ` +
      `(${copies.size}), ${nNoise} replaced by noise; analyzing (mlp) …`,
  );
  const fitFile = path.join(options.tempDir, 'issues-fit.bin');
  const run = await runCliAnalyze({
    dataset: images,
    // The saved fit holds the model's features, which the Datalab comparison reads.
    args: ['--model', 'mlp', '--fit-cache', fitFile],
    outFile: path.join(options.tempDir, 'issues.json'),
    timeoutSeconds: 1200,
  });
  const r = run.results;
  if (!r) throw new Error(run.error ?? 'no results');
  const issues = r.issues;
  if (!issues) throw new Error('the results have no issues section');

  // Leakage: a planted copy counts as found when it shares a leakage set with its source.
  const sets = issues.duplicates.sets;
  const trainPath = new Map(r.train.map((t) => [t.id, t.source.path]));
  const testPath = new Map(r.test.map((t) => [t.id, t.source.path]));
  let foundExact = 0;
  let foundNear = 0;
  let conflictsFound = 0;
  const flaggedTests = new Set<string>();
  for (const s of sets) {
    if (!s.leakage) continue;
    const paths = s.members.map((m) => (m.split === 'train' ? trainPath.get(m.id) : testPath.get(m.id)));
    for (const m of s.members) if (m.split === 'test') flaggedTests.add(testPath.get(m.id)!);
    for (const p of paths) {
      const planted = p && copies.get(p);
      if (!planted || !paths.includes(planted.source)) continue;
      if (planted.exact) foundExact++;
      else foundNear++;
      if (planted.relabeled && s.labelConflict) conflictsFound++;
    }
  }
  const plantedFlagged = [...flaggedTests].filter((p) => copies.has(p)).length;
  // Outliers at the stated cut, and the score's ranking quality.
  const positives = r.train.map((t) => noise.has(t.source.path));
  const flagged = r.train.filter((t) => t.outlier);
  const found = flagged.filter((t) => noise.has(t.source.path)).length;
  const quality = rankingQuality(
    r.train.map((t) => t.outlierScore ?? 0),
    positives,
  );
  const result: IssuesBench = {
    samples,
    nTrain: r.dataset.nTrain,
    nTest: r.dataset.nTest,
    wallSeconds: run.wallSeconds,
    issuesSeconds: r.timings.stages.issues ?? 0,
    leaked: {
      planted: copies.size,
      exactPlanted: [...copies.values()].filter((c) => c.exact).length,
      nearPlanted: [...copies.values()].filter((c) => !c.exact).length,
      foundExact,
      foundNear,
      flagged: flaggedTests.size,
      recall: (foundExact + foundNear) / copies.size,
      precision: flaggedTests.size ? plantedFlagged / flaggedTests.size : 1,
    },
    conflicts: { planted: [...copies.values()].filter((c) => c.relabeled).length, found: conflictsFound },
    outliers: {
      planted: noise.size,
      flagged: flagged.length,
      found,
      recall: found / noise.size,
      precision: flagged.length ? found / flagged.length : 1,
      auroc: quality.auroc,
      cut: issues.outliers.cut,
    },
    removal: issues.harmful.removal,
    counts: issues.counts,
    search: issues.duplicates.search,
  };
  result.datalab = await datalabOnSameFiles(images, fitFile, r, { copies, noise });
  log(
    `issues: leaked recall ${result.leaked.recall.toFixed(3)} (exact ` +
      `${foundExact}/${result.leaked.exactPlanted}, near ` +
      `${foundNear}/${result.leaked.nearPlanted}), precision ` +
      `${result.leaked.precision.toFixed(3)}; ` +
      (`outliers recall ${result.outliers.recall.toFixed(3)}, precision ` +
        `${result.outliers.precision.toFixed(3)}, AUROC ` +
        `${result.outliers.auroc.toFixed(3)}; `) +
      (`removal: test loss ${result.removal?.testLossBefore.toFixed(4)} → ` +
        `${result.removal?.testLossAfter.toFixed(4)} (predicted ` +
        `${result.removal?.predictedTestLossAfter.toFixed(4)})`),
  );
  return result;
}

/** Datalab's checks on the model's features (from the saved fit) and on the pixels, rows in the results' id order. */
async function datalabOnSameFiles(
  images: string,
  fitFile: string,
  r: ResultsFile,
  truth: Parameters<typeof compareDatalab>[4],
): Promise<DatalabComparison[]> {
  const { header, arrays } = decodeFitFile(fs.readFileSync(fitFile));
  const featureDim = (header.net as { featureDim: number }).featureDim;
  const trainPhi = arrays.get('train.phi');
  const testPhi = arrays.get('test.phi');
  if (!(trainPhi instanceof Float32Array) || !(testPhi instanceof Float32Array))
    throw new Error('the saved fit has no features');
  const phi = new Float32Array(trainPhi.length + testPhi.length);
  phi.set(trainPhi);
  phi.set(testPhi, trainPhi.length);
  const out = [compareDatalab('model features (penultimate layer)', phi, featureDim, r, truth)];

  // The pixels as the engine loads them, put in the results' id order by path.
  const data = await loadDataset(images, { seed: 0 });
  const dims = data.dims;
  const byPath = new Map<string, Float32Array>();
  for (const split of [data.train, data.test])
    split.sources.forEach((src, i) => byPath.set(src.path, split.x.subarray(i * dims, (i + 1) * dims)));
  const ordered: string[] = [];
  for (const list of [r.train, r.test]) {
    const paths = new Array<string>(list.length);
    for (const t of list) paths[t.id] = t.source.path;
    ordered.push(...paths);
  }
  const pixels = new Float32Array(ordered.length * dims);
  ordered.forEach((p, row) => {
    const v = byPath.get(p);
    if (!v) throw new Error(`${p} is in the results but not in the loaded folder`);
    pixels.set(v, row * dims);
  });
  out.push(compareDatalab('pixels', pixels, dims, r, truth));
  return out;
}
