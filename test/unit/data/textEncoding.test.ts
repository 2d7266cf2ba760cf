/**
 * Text files that are not UTF-8 text: a binary file with a .csv name and a
 * Latin-1 CSV are refused with the file, the line and what was expected —
 * never loaded with their bytes silently replaced (a relabel would then
 * write U+FFFD back into the user's file).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadDataset } from '../../../src/compute/data/index';
import { firstInvalidUtf8 } from '../../../src/compute/data/files';
import { InputError } from '../../../src/compute/errors';
import { tempDir, write } from './helpers';

async function rejection(file: string): Promise<InputError> {
  try {
    await loadDataset(file, {});
  } catch (e) {
    assert.ok(e instanceof InputError, `an InputError, got ${(e as Error).stack}`);
    return e;
  }
  throw new Error(`${file} loaded`);
}

test('a binary file named .csv: "binary, not text", with the line of the first zero byte', async () => {
  const dir = tempDir();
  const bytes = Buffer.concat([
    Buffer.from('a,b,label\n1,2,x\n'),
    Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff]),
  ]);
  const e = await rejection(write(dir, 'data.csv', bytes));
  assert.match(
    e.message,
    /data\.csv:3: is a binary file, not text \(a zero byte at offset 20\); expected CSV, TSV or JSON Lines text/,
  );
});

test('a Latin-1 CSV: names the line, the byte and the way out; a JSONL file likewise', async () => {
  const dir = tempDir();
  const latin1 = Buffer.from('a,b,label\n1,2,x\n3,4,caf\xe9\n5,6,x\n', 'latin1');
  const e = await rejection(write(dir, 'data.csv', latin1));
  assert.match(
    e.message,
    /data\.csv:3: is not UTF-8 text: byte 0xE9 at offset 23 is not valid UTF-8 .*re-save the file as UTF-8/,
  );
  const jsonl = Buffer.from('{"x":1,"label":"a"}\n{"x":2,"label":"\xe9t\xe9"}\n', 'latin1');
  assert.match((await rejection(write(dir, 'data.jsonl', jsonl))).message, /data\.jsonl:2: is not UTF-8 text/);
});

test('a properly encoded U+FFFD and other UTF-8 load unchanged', async () => {
  const dir = tempDir();
  const file = write(dir, 'data.csv', 'a,label\n1,caf\u00e9\n2,\uFFFD\n3,caf\u00e9\n4,\uFFFD\n5,😀\n6,😀\n');
  const d = await loadDataset(file, {});
  assert.deepEqual([...d.classes].sort(), ['caf\u00e9', '\uFFFD', '😀'].sort());
});

test('firstInvalidUtf8 agrees with a fatal TextDecoder on any bytes, and points at the first bad sequence', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const valid = (b: Uint8Array) => {
    try {
      fatal.decode(b);
      return true;
    } catch {
      return false;
    }
  };
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    // Mostly valid text with a stray byte somewhere.
    fc
      .tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 0x80, max: 0xff }), fc.string({ maxLength: 20 }))
      .map(([a, b, c]) => Uint8Array.from([...Buffer.from(a), b, ...Buffer.from(c)])),
  );
  fc.assert(
    fc.property(bytes, (b) => {
      const at = firstInvalidUtf8(b);
      assert.equal(at < 0, valid(b));
      if (at >= 0) assert.ok(valid(b.subarray(0, at)), 'everything before it is valid');
    }),
    { numRuns: 2000, seed: 7 },
  );
});
