import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isMissingToken, parseNumber, PreviewBuilder } from '../../../src/compute/data/table';

test('parseNumber accepts plain finite decimals only', () => {
  for (const [s, v] of [
    ['1', 1],
    ['-2.5', -2.5],
    ['.5', 0.5],
    ['5.', 5],
    ['+3', 3],
    ['1e5', 1e5],
    ['-1.5E-3', -1.5e-3],
    ['007', 7],
    ['0', 0],
  ] as const) {
    assert.equal(parseNumber(s, false), v, s);
  }
  for (const s of [
    '',
    'abc',
    '0x10',
    '0X1f',
    '0b1',
    '0o7',
    'Infinity',
    '-Infinity',
    '+inf',
    '1e999',
    '-1e999',
    '1,5',
    '1 2',
    '.',
    '-',
    '+',
    '1e',
    '1_000',
    'NaN',
    '١',
  ]) {
    assert.ok(Number.isNaN(parseNumber(s, false)), s);
  }
  assert.equal(parseNumber('3,14', true), 3.14);
  assert.equal(parseNumber('-0,5', true), -0.5);
  assert.ok(Number.isNaN(parseNumber('1,234,5', true)));
});

test('parseNumber gives exactly the double Number() gives, or NaN on overflow (fast path included)', () => {
  const digits = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: max });
  const decimal = fc
    .tuple(
      fc.constantFrom('', '-', '+'),
      digits(12),
      fc.constantFrom('', '.'),
      digits(12),
      fc.constantFrom('', 'e5', 'E-7', 'e+300'),
    )
    .map(([sign, a, dot, b, exp]) => `${sign}${a}${dot}${dot ? b : ''}${exp}`)
    .filter((s) => /\d/.test(s) && !/^[+-]?(e|E)/.test(s));
  fc.assert(
    fc.property(decimal, (s) => {
      const expected = Number(s);
      assert.ok(Object.is(parseNumber(s, false), Number.isFinite(expected) ? expected : NaN), s);
    }),
    { numRuns: 3000, seed: 11 },
  );
});

test('missing tokens are case-insensitive', () => {
  for (const s of ['', 'NA', 'na', 'N/A', 'NaN', 'null', 'NULL', 'None', '?']) assert.ok(isMissingToken(s), s);
  for (const s of ['0', 'nah', 'missing value', '-']) assert.ok(!isMissingToken(s), s);
});

test('PreviewBuilder collapses whitespace, shortens long values and marks a cut', () => {
  const p = new PreviewBuilder(30);
  assert.ok(p.add('a', 'x\n  y'));
  assert.ok(p.add('b', 'z'.repeat(50)));
  assert.equal(p.add('c', '1'), false);
  const out = p.finish();
  assert.ok(out.startsWith('a=x y, b=zzz'));
  assert.equal(out.length, 30);
  assert.ok(out.endsWith('…'));
  const q = new PreviewBuilder(30);
  q.add('a', '1');
  assert.equal(q.finish(), 'a=1');
});
