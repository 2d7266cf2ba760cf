/**
 * Large CSV files are streamed in pieces that end at record boundaries. The
 * reference is the in-memory path: for any text, streaming it in reads of
 * 1, 2, 3, 7 or 64 bytes (cutting quotes, CRLFs and multi-byte characters
 * apart) loads exactly the same dataset, or fails with exactly the same
 * message at the same line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadDataset, type LoadOptions } from '../../../src/compute/data/index';
import { lastRecordEnd } from '../../../src/compute/data/textChunks';
import { InputError } from '../../../src/compute/errors';
import type { LoadedDataset } from '../../../src/compute/types';
import { tempDir, write } from './helpers';

const piece = fc.constantFrom(
  ',',
  ',',
  ';',
  '"',
  '""',
  '\n',
  '\n',
  '\r\n',
  '\r',
  ' ',
  'a',
  'b',
  'x y',
  '1',
  '2.5',
  '-3e2',
  'NA',
  '',
  'é',
  '😀',
  '"two\nlines"',
  '"q,""r"""',
);
const cell = fc.oneof(
  fc.constantFrom('1', '2.5', '-3e2', '7', 'NA', '', 'red', 'blue', 'é😀', '"q,""r"""', '"two\r\nlines"', '"x\ny\rz"'),
  fc.integer({ min: -99, max: 99 }).map(String),
);
const lineEnd = fc.constantFrom('\n', '\r\n', '\r', '\n\n');

const csvText = fc.oneof(
  // Well-shaped files: a header, rows of odd cells and labels, mixed line ends, sometimes a split column.
  fc
    .tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
      fc.array(
        fc.tuple(
          fc.array(cell, { minLength: 3, maxLength: 3 }),
          fc.constantFrom('a', 'b', 'c', ''),
          fc.constantFrom('train', 'test'),
          lineEnd,
        ),
        {
          minLength: 1,
          maxLength: 40,
        },
      ),
    )
    .map(([cols, withSplit, rows]) => {
      const header = [
        ...Array.from({ length: cols }, (_, k) => `f${k}`),
        ...(withSplit ? ['split'] : []),
        'label',
      ].join(',');
      return (
        header +
        '\n' +
        rows
          .map(
            ([cells, label, split, end]) =>
              [...cells.slice(0, cols), ...(withSplit ? [split] : []), label].join(',') + end,
          )
          .join('')
      );
    }),
  // Anything made of CSV's hard parts (mostly errors: ragged rows, unclosed quotes).
  fc.array(piece, { maxLength: 80 }).map((parts) => `a,b,label\n${parts.join('')}`),
);

type Outcome = { ok: true; data: unknown } | { ok: false; message: string; line?: number };

function project(d: LoadedDataset): unknown {
  const split = (s: LoadedDataset['train']) => ({
    x: Array.from(s.x),
    y: Array.from(s.y),
    sources: s.sources,
    preview: s.preview,
  });
  return {
    classes: d.classes,
    dims: d.dims,
    testSource: d.testSource,
    train: split(d.train),
    test: split(d.test),
    warnings: d.warnings,
  };
}

async function outcome(file: string, options: LoadOptions): Promise<Outcome> {
  try {
    return { ok: true, data: project(await loadDataset(file, options)) };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { ok: false, message: err.message, line: err.line };
  }
}

test(
  'streamed in reads of 1–64 bytes, any CSV loads exactly as it does in ' +
    'memory, or fails with the same message at the same line',
  { timeout: 180_000 },
  async () => {
    const dir = tempDir();
    let run = 0;
    let loaded = 0;
    await fc.assert(
      fc.asyncProperty(csvText, fc.constantFrom(1, 2, 3, 7, 64), async (text, chunkBytes) => {
        const file = write(dir, `s${run++}.csv`, text);
        const whole = await outcome(file, {});
        const streamed = await outcome(file, { streamAboveBytes: 0, chunkBytes });
        assert.deepEqual(streamed, whole);
        if (whole.ok) loaded++;
      }),
      { numRuns: 300, seed: 1729 },
    );
    assert.ok(loaded >= 60, `only ${loaded} of 300 generated files loaded`);
  },
);

test('a record boundary is the last line break outside quotes; a CR at the very end waits for its LF', () => {
  assert.equal(lastRecordEnd('a,b\n1,2\n3'), 8);
  assert.equal(lastRecordEnd('a,"x\ny"'), -1);
  assert.equal(lastRecordEnd('a\n"x\ny'), 2);
  assert.equal(lastRecordEnd('a\r\nb\r'), 3);
  assert.equal(lastRecordEnd('a\r\nb\rc'), 5);
  assert.equal(lastRecordEnd('"a""\n"\nb'), 7);
});

test(
  'a streamed file too large for the memory budget is refused with the ' +
    'way out; with maxSamples it loads that many',
  async () => {
    const dir = tempDir();
    const rows = ['x,y,label'];
    for (let i = 0; i < 3000; i++) rows.push(`${i % 17},${(i * 7) % 13},${i % 3 === 0 ? 'a' : 'b'}`);
    const file = write(dir, 'big.csv', rows.join('\n'));
    // 3001 line breaks × (2 features × 8 + 200 bytes) ≈ 633 KB against a 100 KB budget.
    await assert.rejects(
      loadDataset(file, { streamAboveBytes: 0, memoryBudgetBytes: 100_000 }),
      (err: unknown) =>
        err instanceof InputError &&
        /big\.csv: is 0 MB with up to 3,001 rows of 2 features, about 0\.6 MB as a table, more than the 0\.1 MB an analysis may load; expected at most 462 rows: analyze a stratified sample, e.g\. the maxSamples option 460/.test(
          err.message,
        ),
    );
    const d = await loadDataset(file, { streamAboveBytes: 0, memoryBudgetBytes: 100_000, maxSamples: 400 });
    assert.equal(d.train.y.length + d.test.y.length, 400);
    assert.ok(d.warnings.includes('Kept a stratified subsample of 400 of 3000 samples (maxSamples).'));
    // The same rows as the in-memory path keeps, split the same way, with the same features.
    const inMemory = await loadDataset(file, { maxSamples: 400 });
    assert.deepEqual(project(d), project(inMemory));
  },
);

test('non-UTF-8 bytes deep in a streamed file name the line they are on', async () => {
  const dir = tempDir();
  const head = Buffer.from(
    ['x,label', ...Array.from({ length: 50 }, (_, i) => `${i},${i % 2 ? 'a' : 'b'}`)].join('\n') + '\n',
  );
  const bad = Buffer.concat([head, Buffer.from('7,caf'), Buffer.from([0xe9]), Buffer.from('\n8,a\n')]);
  const file = write(dir, 'latin1.csv', bad);
  await assert.rejects(loadDataset(file, { streamAboveBytes: 0, chunkBytes: 64 }), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.match(err.message, /latin1\.csv:52: is not UTF-8 text: byte 0xE9 at offset \d+ is not valid UTF-8/);
    return true;
  });
});
