import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadDataset } from '../../../src/compute/data/index';
import { InputError } from '../../../src/compute/errors';
import { tempDir, write } from './helpers';

/** Pieces that make CSV parsing interesting: delimiters, quotes, line ends, numbers, missing tokens, labels. */
const pieces = fc.constantFrom(
  ',',
  ',',
  ';',
  '\t',
  '"',
  '""',
  '\n',
  '\n',
  '\r\n',
  '\r',
  ' ',
  'a',
  'b',
  'x y z',
  '1',
  '2.5',
  '-3e2',
  'NA',
  '?',
  'label',
  'split',
  'train',
  'test',
  'id',
  '\uFEFF',
  'é',
  '😀',
);

/** Cells for well-shaped files: numbers, missing tokens, words, quoted text, random ASCII. */
const cell = fc.oneof(
  fc.constantFrom('1', '2.5', '-3e2', '7', 'NA', '', '?', 'red', 'blue', 'x y z w', '"q,""r"""', '"two\nlines"'),
  fc.string({ maxLength: 3, unit: 'grapheme-ascii' }),
);

const csvLike = fc.oneof(
  fc.string({ maxLength: 200, unit: 'binary' }),
  fc.array(pieces, { maxLength: 120 }).map((parts) => parts.join('')),
  // A header plus rows of random cells, often ragged.
  fc
    .tuple(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.array(fc.oneof(pieces, fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 5 }), {
        maxLength: 12,
      }),
    )
    .map(([cols, body]) =>
      [Array.from({ length: cols }, (_, k) => `c${k}`).join(','), ...body.map((r) => r.join(','))].join('\n'),
    ),
  // Well-shaped files with odd cells: exercises featurizing, splitting and the numeric-junk rule.
  fc
    .integer({ min: 2, max: 4 })
    .chain((cols) =>
      fc
        .array(
          fc.tuple(fc.array(cell, { minLength: cols - 1, maxLength: cols - 1 }), fc.constantFrom('a', 'b', 'c', '')),
          { minLength: 1, maxLength: 30 },
        )
        .map((body) =>
          [
            `${Array.from({ length: cols - 1 }, (_, k) => `f${k}`).join(',')},label`,
            ...body.map(([cells, l]) => [...cells, l].join(',')),
          ].join('\n'),
        ),
    ),
);

test(
  'any text as a .csv either loads or throws InputError (never another error, never hangs)',
  { timeout: 120_000 },
  async () => {
    const dir = tempDir();
    let run = 0;
    let loaded = 0;
    await fc.assert(
      fc.asyncProperty(csvLike, async (text) => {
        const file = write(dir, `p${run++}.csv`, text);
        try {
          const d = await loadDataset(file);
          loaded++;
          // When it loads, the result is self-consistent.
          assert.equal(d.train.x.length, d.train.y.length * d.dims);
          assert.equal(d.test.x.length, d.test.y.length * d.dims);
          assert.ok(d.classes.length >= 2);
          for (const y of [...d.train.y, ...d.test.y]) assert.ok(y >= 0 && y < d.classes.length);
          assert.ok([...d.train.x, ...d.test.x].every(Number.isFinite));
          for (const s of [...d.train.sources, ...d.test.sources]) assert.ok(s.line! >= 2 && s.row! >= 0);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          assert.ok(err.detail.length > 0);
        }
      }),
      { numRuns: 200, seed: 4242 },
    );
    assert.ok(loaded >= 10, `only ${loaded} of 200 generated files loaded`);
  },
);
