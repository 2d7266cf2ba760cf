/**
 * Issue 12 (hardening, round two), the loader's side: values near the end of
 * the double range, numbers JSON cannot hold, huge cells and control
 * characters quoted in messages. Each test fails on the code before the fix
 * (noted per test).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadDataset } from '../../../src/compute/data/index';
import { clip, escapeControl, quote, quoteJson } from '../../../src/compute/data/quote';
import { InputError } from '../../../src/compute/errors';
import { safeLog } from '../../../src/host/safeLog';
import { terminalSafe } from '../../../src/cli/options';
import { rows, tempDir, write } from './helpers';

async function inputError(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof InputError, `an InputError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the load to be refused');
}

describe('±1e308 keeps its scale', () => {
  // Before: the sum of squares overflowed to Infinity, std was set to 0 and the column came out all zeros.
  test('a separating column at ±1e308 standardizes like the same column at ±1e30', async () => {
    const make = (big: string) =>
      ['x,label', ...Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? `${big},a` : `-${big},b`))].join('\n');
    const dir = tempDir();
    const huge = await loadDataset(write(dir, 'huge.csv', make('1e308')), { testFraction: 0 });
    const plain = await loadDataset(write(dir, 'plain.csv', make('1e30')), { testFraction: 0 });
    const zs = rows(huge.train.x, huge.dims).map((r) => r[0]);
    assert.deepEqual(
      zs,
      rows(plain.train.x, plain.dims).map((r) => r[0]),
    );
    assert.ok(
      zs.every((z) => Math.abs(z) === 1),
      `±1 z-scores, got ${zs.slice(0, 4).join(', ')}`,
    );
    assert.deepEqual(huge.warnings, []);
  });

  test('mixed magnitudes near the limit keep mean and spread', async () => {
    const file = write(
      tempDir(),
      'm.csv',
      ['x,label', '1.7e308,a', '-1.7e308,b', '1e308,a', '-1e308,b', '0,a', '0,b'].join('\n'),
    );
    const d = await loadDataset(file, { testFraction: 0 });
    const z = rows(d.train.x, d.dims).map((r) => r[0]);
    assert.ok(z.every(Number.isFinite) && z.some((v) => v !== 0), `finite, non-zero: ${z.join(', ')}`);
    assert.ok(Math.abs(z.reduce((a, b) => a + b, 0)) < 1e-5, 'centred');
  });

  test('a column with one value in every training row is named in a warning', async () => {
    // Before: silently all zeros.
    const file = write(tempDir(), 'c.csv', ['x,k,label', '1,5,a', '2,5,b', '3,5,a', '4,5,b'].join('\n'));
    const d = await loadDataset(file, { testFraction: 0 });
    assert.deepEqual(d.warnings, [
      `Column 'k' has the same value in every training row; it carries no information (encoded as 0).`,
    ]);
  });
});

describe('JSONL numbers a double cannot hold', () => {
  // Before: "line 6 has "Infinity"" — JSON.parse had replaced the text.
  test('1e400 is quoted as written, with its line', async () => {
    const lines = Array.from(
      { length: 20 },
      (_, i) => `{"x": ${i === 5 ? '-1E400' : i}, "note": "1e999 \\"x\\": 2e999", "label": "${'ab'[i % 2]}"}`,
    );
    const err = await inputError(loadDataset(write(tempDir(), 'd.jsonl', lines.join('\n'))));
    assert.equal(err.line, 6);
    assert.match(err.message, /"-1E400"/);
    assert.doesNotMatch(err.message, /Infinity/);
  });
});

describe('quoted user data is cut and escaped', () => {
  test('a 5 MB cell in a numeric column is quoted in at most 80 characters', async () => {
    // Before: the message held the whole 5 MB cell.
    const big = 'z'.repeat(5 * 2 ** 20);
    const body = Array.from({ length: 30 }, (_, i) => `${i === 3 ? big : i},${'ab'[i % 2]}`);
    const err = await inputError(loadDataset(write(tempDir(), 'big.csv', ['x,label', ...body].join('\n'))));
    assert.ok(err.message.length < 400, `a short message (${err.message.length} characters)`);
    assert.match(err.message, /"z{79}…"/);
  });

  test('a huge column name and a label column not found are quoted short', async () => {
    const name = 'n'.repeat(100_000);
    const file = write(tempDir(), 'h.csv', [`${name},label`, '1,a', '2,b'].join('\n'));
    const err = await inputError(loadDataset(file, { labelColumn: `missing${'m'.repeat(100_000)}` }));
    assert.ok(err.message.length < 600, `a short message (${err.message.length} characters)`);
  });

  test('escapes: ESC, BEL, CR/LF, C1 CSI, bidi overrides; surrogate pairs are not split', () => {
    assert.equal(escapeControl('a\x1b]0;pwned\x07b\r\nc\x9b2J\u202ed'), 'a\\x1b]0;pwned\\x07b\\r\\nc\\x9b2J\\u202ed');
    assert.equal(clip('😀'.repeat(50), 80).length <= 80, true);
    assert.equal(clip(`${'a'.repeat(78)}😀b`, 80), `${'a'.repeat(78)}…`);
    assert.equal(quote('x\ny'), "'x\\ny'");
    assert.equal(quoteJson('\x7f'), '"\\x7f"');
  });

  test("commander's error lines are cut and escaped", () => {
    assert.equal(terminalSafe(`error: argument '\x1b[2J${'9'.repeat(1000)}' is invalid.\n`).includes('\x1b'), false);
    assert.ok(terminalSafe(`x${'9'.repeat(1000)}\n`).length <= 301);
  });

  test('the output channel gets escaped, cut text (line breaks kept)', () => {
    // Before: src/host/log.ts handed everything to the channel raw.
    const seen: unknown[] = [];
    const channel = { info: (m: string) => seen.push(m), name: 'Influence Lens', show: () => seen.push('shown') };
    const log = safeLog(channel);
    log.info(`relabeled as '\x1b]0;title\x07'\nnext ${'y'.repeat(20_000)}`);
    log.show();
    assert.equal(log.name, 'Influence Lens');
    const [line, shown] = seen as string[];
    assert.ok(line.startsWith("relabeled as '\\x1b]0;title\\x07'\nnext "));
    assert.ok(line.length <= 10_000);
    assert.equal(shown, 'shown');
  });
});
