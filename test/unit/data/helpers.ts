/**
 * Fixture builders for the loader tests: every test writes its files into a
 * fresh temporary folder, and images are encoded here with pngjs / jpeg-js.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { InputError } from '../../../src/compute/errors';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'influence-lens-data-'));
  made.push(dir);
  return dir;
}

/** Writes `content` at dir/rel (creating folders); returns the absolute path. */
export function write(dir: string, rel: string, content: string | Uint8Array): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** RGBA pixels from a function of (x, y) → [r, g, b, a?] (0-255). */
export function rgba(width: number, height: number, pixel: (x: number, y: number) => number[]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = pixel(x, y);
      data.set([r, g, b, a], (y * width + x) * 4);
    }
  }
  return data;
}

export function pngBytes(width: number, height: number, pixel: (x: number, y: number) => number[]): Buffer {
  const png = new PNG({ width, height });
  rgba(width, height, pixel).copy(png.data);
  return PNG.sync.write(png);
}

export function jpegBytes(
  width: number,
  height: number,
  pixel: (x: number, y: number) => number[],
  quality = 95,
): Buffer {
  return encodeJpeg({ data: rgba(width, height, pixel), width, height }, quality).data;
}

/** A grey value at every pixel. */
export const grey = (v: number) => () => [v, v, v];

/**
 * Awaits `promise`, which must reject with an InputError for `file` (and
 * `line`, when given; `null` means "no line"), whose message matches every pattern.
 */
export async function rejectsInput(
  promise: Promise<unknown>,
  expect: { file?: string; line?: number | null; patterns: RegExp[] },
): Promise<InputError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(
    caught instanceof InputError,
    `expected an InputError, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`,
  );
  const err = caught;
  if (expect.file !== undefined) assert.equal(err.file, expect.file);
  if (expect.line === null) assert.equal(err.line, undefined);
  else if (expect.line !== undefined) assert.equal(err.line, expect.line, `line of: ${err.message}`);
  for (const p of expect.patterns) assert.match(err.detail, p);
  assert.match(err.detail, /expected/, 'the message says what was expected');
  return err;
}

/** Rows of a row-major matrix, as plain arrays (for deepEqual). */
export function rows(x: Float32Array, dims: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < x.length; i += dims) out.push(Array.from(x.subarray(i, i + dims)));
  return out;
}

export function assertClose(actual: number, expected: number, tol = 1e-5, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected}, got ${actual}`);
}
