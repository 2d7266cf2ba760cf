/**
 * The default working budget (issue 12 item 8): a long JSONL of short texts
 * (1M records, 289 MB) reached 4.2 GB because every record was loaded,
 * featurized and trained on; the estimate did not refuse it under 75% of a
 * 24 GB machine's free memory. Now the loaders keep the largest stratified
 * sample whose run fits the budget, never holding the rest, and say so.
 * The budget here is a predicate on the shape (the pipeline's is the memory
 * estimate: test/unit/pipeline/sampleBudget.test.ts).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadDataset } from '../../../src/compute/data/index';
import { bytesContentHash } from '../../../src/compute/issues/contentHash';
import { recordDigest } from '../../../src/compute/data/recordDigest';
import type { SampleBudget, SampleShape } from '../../../src/compute/data/sampleBudget';
import { stratifiedSubsample } from '../../../src/compute/data/split';
import { pngBytes, tempDir, write } from './helpers';

/** A budget that holds at most `max` samples (and a table of `loadBytes`), recording the shapes it was asked about. */
function budgetOf(max: number, loadBytes = 2 ** 30): SampleBudget & { asked: SampleShape[] } {
  const asked: SampleShape[] = [];
  return {
    asked,
    label: '2 GB',
    loadBytes,
    fits: (s) => {
      asked.push(s);
      return s.nTrain + s.nTest <= max;
    },
  };
}

const TOPICS = ['sport', 'music', 'food'];

/** 1,500 records (blank lines and spaces between some), labels 1 : 2 : 3. */
function longJsonl(): { text: string; lines: string[] } {
  const lines: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const label = TOPICS[i % 6 === 0 ? 0 : i % 6 < 3 ? 1 : 2];
    lines.push(JSON.stringify({ id: i, text: `record ${i} about ${label} and word${i % 37}`, label }));
    if (i % 97 === 0) lines.push('');
    if (i % 101 === 0) lines.push('   ');
  }
  return { text: lines.join('\n') + '\n', lines };
}

describe('the working budget', () => {
  test('a long JSONL past it loads a stratified sample, each record with its own line and fingerprint', async () => {
    const { text, lines } = longJsonl();
    const file = write(tempDir(), 'long.jsonl', text);
    const budget = budgetOf(300);
    const d = await loadDataset(file, { budget });
    const all = [...d.train.sources, ...d.test.sources];
    assert.ok(all.length <= 300 && all.length >= 290, `${all.length} samples`);
    // Every kept record points at its own line, and relabel's fingerprint is that line's.
    for (const s of all) {
      const raw = lines[s.line! - 1];
      assert.equal(s.digest, recordDigest(raw.trim()));
      assert.equal((JSON.parse(raw) as { id: number }).id, s.row);
    }
    assert.equal(new Set(all.map((s) => s.line)).size, all.length);
    // Stratified: each class keeps its share of 1 : 2 : 3 (within one sample).
    const y = [...d.train.y, ...d.test.y];
    const counts = d.classes.map((_, k) => y.filter((v) => v === k).length);
    const share = Object.fromEntries(d.classes.map((c, k) => [c, counts[k] / all.length]));
    assert.ok(Math.abs(share.sport - 1 / 6) < 0.01 && Math.abs(share.food - 1 / 2) < 0.01, JSON.stringify(share));
    assert.ok(
      d.warnings.includes(
        `Analyzed a stratified sample of ${all.length} of 1,500 samples to stay within 2 GB of memory; ` +
          'set the maxSamples option to choose.',
      ),
      d.warnings.join('\n'),
    );
    // Asked before any feature existed: the text field bounded at its 512 hash buckets, the id at one feature.
    assert.equal(budget.asked[0].dims, 513);
    assert.equal(budget.asked[0].numClasses, 3);
  });

  test('within it, nothing is left out and nothing is said', async () => {
    const { text } = longJsonl();
    const file = write(tempDir(), 'long.jsonl', text);
    const d = await loadDataset(file, { budget: budgetOf(10_000) });
    assert.equal(d.train.y.length + d.test.y.length, 1500);
    assert.ok(!d.warnings.some((w) => /stratified sample/.test(w)), d.warnings.join('\n'));
  });

  test('maxSamples wins over the budget: exactly that many, the maxSamples note', async () => {
    const { text } = longJsonl();
    const file = write(tempDir(), 'long.jsonl', text);
    const d = await loadDataset(file, { budget: budgetOf(300), maxSamples: 600 });
    assert.equal(d.train.y.length + d.test.y.length, 600);
    assert.ok(d.warnings.includes('Kept a stratified subsample of 600 of 1500 samples (maxSamples).'));
    assert.ok(!d.warnings.some((w) => /memory/.test(w)));
  });

  test('a JSONL sample under maxSamples is the one the in-memory path took before (same records)', async () => {
    const { text } = longJsonl();
    const file = write(tempDir(), 'long.jsonl', text);
    const d = await loadDataset(file, { maxSamples: 500 });
    // The stratified subsample of planSamples over the same keys: recomputed here from the file's labels.
    const records = text.split('\n').filter((l) => l.trim() !== '');
    const keys = records.map((l) => `\u0000${(JSON.parse(l) as { label: string }).label}`);
    const chosen = [...stratifiedSubsample(keys, 500, 0)];
    const rows = [...d.train.sources, ...d.test.sources].map((s) => s.row!).sort((a, b) => a - b);
    assert.deepEqual(rows, chosen);
  });

  test('a CSV past it: the features are built for the sample only, bounded by the column kinds', async () => {
    const rows = ['size,colour,note,label'];
    for (let i = 0; i < 1000; i++)
      rows.push(`${i % 17},${['red', 'green', 'blue'][i % 3]},"some words ${i} here and there",${i % 2 ? 'a' : 'b'}`);
    const file = write(tempDir(), 'd.csv', rows.join('\n'));
    const budget = budgetOf(200);
    const d = await loadDataset(file, { budget });
    assert.equal(d.train.y.length + d.test.y.length, 200);
    // One numeric feature, three colours plus missing, the text column's 512 buckets.
    assert.equal(budget.asked[0].dims, 1 + 4 + 512);
    assert.ok(d.warnings.some((w) => w.startsWith('Analyzed a stratified sample of 200 of 1,000 samples')));
    for (const s of [...d.train.sources, ...d.test.sources]) assert.equal(s.line, s.row! + 2);
  });

  test('a CSV of many short rows: its table past the load share, only a sample of rows is ever held', async () => {
    const rows = ['text,label'];
    for (let i = 0; i < 3000; i++) rows.push(`w${i % 50} w${i % 7},${i % 3 ? 'a' : 'b'}`);
    const csv = rows.join('\n') + '\n';
    // 3,000 rows × (1 feature × 9 + ~11 characters + 500) ≈ 1.6 MB against a 300 KB share: ~576 rows.
    for (const streamAboveBytes of [undefined, 0]) {
      const file = write(tempDir(), 'short.csv', csv);
      const d = await loadDataset(file, { budget: budgetOf(100_000, 300_000), streamAboveBytes, chunkBytes: 4096 });
      const all = [...d.train.sources, ...d.test.sources];
      assert.ok(all.length > 400 && all.length < 700, `${all.length} rows`);
      for (const s of all) assert.equal(s.line, s.row! + 2);
      assert.ok(
        d.warnings.includes(
          `Analyzed a stratified sample of ${all.length} of 3,000 samples to stay within 2 GB of memory; ` +
            'set the maxSamples option to choose.',
        ),
        d.warnings.join('\n'),
      );
    }
  });

  test('a JSONL of many short records: the same load share', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ t: `w${i % 50}`, label: i % 3 ? 'a' : 'b' }));
    const file = write(tempDir(), 'short.jsonl', lines.join('\n'));
    const d = await loadDataset(file, { budget: budgetOf(100_000, 300_000) });
    const all = [...d.train.sources, ...d.test.sources];
    assert.ok(all.length > 400 && all.length < 700, `${all.length} rows`);
    for (const s of all) assert.equal(s.line, s.row! + 1);
    assert.ok(d.warnings.some((w) => w.startsWith(`Analyzed a stratified sample of ${all.length} of 3,000 samples`)));
  });

  test('an image folder past it decodes only a sample; the budget asked with the probed shape', async () => {
    const dir = tempDir();
    for (let i = 0; i < 60; i++) {
      const v = (i * 37) % 256;
      write(
        dir,
        `${i % 3 ? 'cat' : 'dog'}/${i}.png`,
        pngBytes(8, 6, (x) => [v, (v + x) % 256, v]),
      );
    }
    const budget = budgetOf(15);
    const d = await loadDataset(dir, { budget });
    assert.equal(d.train.y.length + d.test.y.length, 15);
    assert.deepEqual(budget.asked[0].imageShape, [6, 8, 3]);
    assert.equal(budget.asked[0].dims, 6 * 8 * 3);
    assert.ok(d.warnings.some((w) => w.startsWith('Analyzed a stratified sample of 15 of 60 samples')));
  });

  test('a JSONL manifest of images past it decodes only a sample (it used to decode them all)', async () => {
    const { dir, manifest } = imageManifest(60);
    const budget = budgetOf(15);
    const d = await loadDataset(manifest, { budget });
    assert.equal(d.train.y.length + d.test.y.length, 15);
    assert.deepEqual(budget.asked[0].imageShape, [6, 8, 3]);
    assert.ok(
      d.warnings.some((w) => w.startsWith('Analyzed a stratified sample of 15 of 60 samples')),
      dir,
    );
    // Each kept record still names its own image: its pixels are that image's (value v = 37·i mod 256 in red).
    const dims = 6 * 8 * 3;
    d.train.sources.forEach((src, k) => assert.equal(Math.round(d.train.x[k * dims] * 255), (src.row! * 37) % 256));
  });

  // The user's image model embeds while the images load (pipeline/featureSource.ts): the budget must be asked with
  // the width of its vectors before any image is embedded (it used to embed them all, then sample the vectors).
  for (const layout of ['folder', 'manifest'] as const) {
    test(`a user's image model on an image ${layout} past it embeds only the sample`, async () => {
      const { dir, manifest } = imageManifest(60);
      const embedded: string[][] = [];
      const WIDTH = 5;
      // Each image's vector: its file's number, WIDTH times (so a row shows which image it came from).
      const imageFeatures = {
        width: async () => WIDTH,
        embed: async (files: { abs: string }[]) => {
          embedded.push(files.map((f) => path.basename(f.abs)));
          const x = new Float32Array(files.length * WIDTH);
          files.forEach((f, k) => x.fill(Number(path.basename(f.abs, '.png')), k * WIDTH, (k + 1) * WIDTH));
          return { x, dims: WIDTH };
        },
      };
      const budget = budgetOf(15);
      const d = await loadDataset(layout === 'folder' ? dir : manifest, {
        budget,
        imageFeatures,
        featuresElsewhere: true,
      });
      assert.equal(d.train.y.length + d.test.y.length, 15);
      assert.equal(budget.asked[0].dims, WIDTH);
      assert.equal(budget.asked[0].imageShape, undefined);
      assert.deepEqual(
        embedded.map((batch) => batch.length),
        [15],
      );
      // Each kept sample's vector is its own image's (a manifest's record i names img/i.png).
      d.train.sources.forEach((src, k) => {
        const image = layout === 'folder' ? Number(path.basename(src.path, '.png')) : src.row;
        assert.equal(d.train.x[k * WIDTH], image, `${src.path}:${src.line}`);
      });
      assert.ok(d.warnings.some((w) => w.startsWith('Analyzed a stratified sample of 15 of 60 samples')));
    });
  }

  // The user's embeddings or table model give the features (featuresElsewhere): the table's columns bound nothing.
  for (const format of ['csv', 'jsonl'] as const) {
    test(`a ${format} of ids and labels for the user's table model: sampled by the model's width before embedding`, async () => {
      const file = idsAndLabels(format, 1000);
      const budget = budgetOf(200);
      const d = await loadDataset(file, { budget, featuresElsewhere: true, featureWidth: async () => 64 });
      assert.equal(d.train.y.length + d.test.y.length, 200);
      assert.ok(budget.asked.length > 0 && budget.asked.every((s) => s.dims === 64));
      assert.equal(d.dims, 0, 'no feature built from the columns');
      assert.ok(d.warnings.some((w) => w.startsWith('Analyzed a stratified sample of 200 of 1,000 samples')));
    });

    test(`a ${format} beside embeddings read later: only its table is held to the load share, and that is noted`, async () => {
      const file = idsAndLabels(format, 3000);
      // The run estimate would keep 200, but the vectors' width is unknown until they are read (frozenSample.ts).
      const within = await loadDataset(file, { budget: budgetOf(200), featuresElsewhere: true });
      assert.equal(within.train.y.length + within.test.y.length, 3000);
      assert.ok(!within.warnings.some((w) => /stratified sample/.test(w)), within.warnings.join('\n'));
      const d = await loadDataset(file, { budget: budgetOf(200, 300_000), featuresElsewhere: true });
      const all = [...d.train.sources, ...d.test.sources];
      assert.ok(all.length > 300 && all.length < 700, `${all.length} rows`);
      assert.ok(d.warnings.some((w) => w.startsWith(`Analyzed a stratified sample of ${all.length} of 3,000 samples`)));
    });
  }

  test('a JSONL of image paths with an embedding field: its images are fingerprinted, never decoded', async () => {
    const dir = tempDir();
    const full = pngBytes(8, 6, (x) => [x * 30, 0, 0]);
    // A header that reads, a body that does not decode: fine when the pixels are not the features.
    write(dir, 'img/cut.png', full.subarray(0, 40));
    write(dir, 'img/whole.png', full);
    const lines = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ image: i % 2 ? 'img/cut.png' : 'img/whole.png', emb: [i, 1], label: i % 3 ? 'a' : 'b' }),
    );
    const file = write(dir, 'm.jsonl', lines.join('\n') + '\n');
    const options = { budget: budgetOf(5), featuresElsewhere: true, ignoreFields: ['emb'] };
    const d = await loadDataset(file, options);
    // Not sampled by the run estimate: the embeddings' width is unknown until they are read (frozenSample.ts).
    assert.equal(d.train.y.length + d.test.y.length, 20);
    assert.equal(d.dims, 0);
    const hashes = [...d.train.contentHash!, ...d.test.contentHash!];
    const rows = [...d.train.sources, ...d.test.sources].map((src) => src.row!);
    rows.forEach((r, k) => assert.equal(hashes[k], bytesContentHash(r % 2 ? full.subarray(0, 40) : full)));
    // Pixels as the features (no embedding field): the same file is decoded, and refused.
    await assert.rejects(loadDataset(file, { ignoreFields: ['emb'] }), /cut\.png/);
  });
});

/** 60 images in class folders (every third a dog), and a JSONL manifest beside them naming each with its label. */
function imageManifest(n: number): { dir: string; manifest: string } {
  const dir = tempDir();
  const images = tempDir();
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = (i * 37) % 256;
    const label = i % 3 ? 'cat' : 'dog';
    const bytes = pngBytes(8, 6, (x) => [v, (v + x) % 256, v]);
    write(dir, `${label}/${i}.png`, bytes);
    write(images, `img/${i}.png`, bytes);
    lines.push(JSON.stringify({ image: `img/${i}.png`, label }));
  }
  return { dir, manifest: write(images, 'manifest.jsonl', lines.join('\n') + '\n') };
}

/** A table of ids and labels only (the features come from elsewhere), as CSV or JSONL, in a fresh folder. */
function idsAndLabels(format: 'csv' | 'jsonl', n: number): string {
  const rows = Array.from({ length: n }, (_, i) => ({ id: `r${i}`, label: i % 3 ? 'a' : 'b' }));
  return format === 'csv'
    ? write(tempDir(), 'ids.csv', ['id,label', ...rows.map((r) => `${r.id},${r.label}`)].join('\n') + '\n')
    : write(tempDir(), 'ids.jsonl', rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}
