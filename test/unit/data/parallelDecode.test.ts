/**
 * The two-thread decode pass (parallelDecode.ts) against the one-thread pass (decodeChunk over the whole list): the
 * same floats (written into runs of images), channels and fingerprints, whichever thread decoded a chunk, with colour
 * appearing in one chunk only; and the first unreadable image in list order fails it, as it fails the one-thread pass.
 * A large set loaded on two threads, decoded before its size is known, gets the one-thread pass's values.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { decodeChunk } from '../../../src/compute/data/decodeChunk';
import type { ImageFile } from '../../../src/compute/data/imageBytes';
import { loadImages } from '../../../src/compute/data/imageSet';
import { DecodeHelper } from '../../../src/compute/data/parallelDecode';
import { InputError } from '../../../src/compute/errors';
import { pngBytes, tempDir, write } from './helpers';

/** 700 small PNGs (three chunks of 256 and a part), varied sizes and greys; `colourAt` one coloured image. */
function imageFiles(colourAt?: number): ImageFile[] {
  const root = tempDir();
  return Array.from({ length: 700 }, (_, i) => {
    const w = 5 + (i % 4);
    const h = 6 + (i % 3);
    const bytes = pngBytes(w, h, (x, y) =>
      i === colourAt ? [200, (x * 40) % 256, y * 30, 255] : Array(3).fill((i * 7 + x * 13 + y * 29) % 256),
    );
    const rel = `c${i % 3}/${String(i).padStart(4, '0')}.png`;
    return { abs: write(root, rel, bytes), file: path.join('set', rel) };
  });
}

function oneThread(files: ImageFile[], grayscale?: boolean) {
  return decodeChunk(0, files.length, {
    size: [6, 5],
    grayscale,
    bytes: (i) => readFileSync(files[i].abs),
    file: (i) => files[i].file,
  });
}

/** The runs the two-thread pass writes: training and test samples, the boundary inside the second chunk of 256. */
const RUNS = [300, 400];

async function twoThreads(files: ImageFile[], grayscale?: boolean) {
  const helper = DecodeHelper.start(files.length, 1);
  assert.ok(helper, 'a machine with two cores starts the helper');
  const seen: number[] = [];
  // This thread waits a little per image, so the helper (slow to start under tsx) takes chunks too.
  const slowly = (done: number) => {
    seen.push(done);
    const until = performance.now() + 4;
    while (performance.now() < until);
  };
  try {
    const out = await helper.decode(files, [6, 5], grayscale, RUNS, slowly);
    assert.ok(out.helperImages > 0 && out.helperImages < files.length, `the helper decoded ${out.helperImages}`);
    assert.equal(seen.at(-1), files.length, 'the last progress is the whole set');
    assert.ok(
      seen.every((d, j) => j === 0 || d >= seen[j - 1]),
      'progress never goes back',
    );
    return out;
  } finally {
    await helper.close();
  }
}

describe('decoding on two threads', { skip: availableParallelism() < 2 }, () => {
  for (const [name, colourAt, grayscale] of [
    ['auto, all grey', undefined, undefined],
    ['auto, one coloured image in the last chunk', 650, undefined],
    ['forced RGB', 10, false],
    ['forced grey', 300, true],
  ] as const) {
    test(`the same floats, channels and fingerprints as one thread: ${name}`, async () => {
      const files = imageFiles(colourAt);
      const expected = oneThread(files, grayscale);
      const got = await twoThreads(files, grayscale);
      assert.equal(got.channels, expected.channels);
      assert.equal(got.channels, grayscale === true || (grayscale === undefined && colourAt === undefined) ? 1 : 3);
      assert.deepEqual(got.contentHash, expected.contentHash);
      // Each run holds its images' values, in shared memory (the training threads read it in place).
      const perImage = 6 * 5 * got.channels;
      assert.deepEqual(got.runs[0], expected.x.subarray(0, RUNS[0] * perImage));
      assert.deepEqual(got.runs[1], expected.x.subarray(RUNS[0] * perImage));
      assert.ok(got.runs.every((run) => run.buffer instanceof SharedArrayBuffer));
      // Every image's header size, as imageFiles made it, whichever thread read it.
      assert.deepEqual(got.sizes, Int32Array.from(files.flatMap((_, i) => [6 + (i % 3), 5 + (i % 4)])));
    });
  }

  test('the first unreadable image in list order fails the pass', async () => {
    const files = imageFiles();
    for (const i of [600, 301]) write(path.dirname(files[i].abs), path.basename(files[i].abs), 'not a png');
    assert.throws(
      () => oneThread(files),
      (e: unknown) => e instanceof InputError && e.file === files[301].file,
    );
    await assert.rejects(
      twoThreads(files),
      (e: unknown) => e instanceof InputError && e.file === files[301].file && /no valid header/.test(e.message),
    );
  });
});

describe('loading a large set on two threads (no header pass first)', { skip: availableParallelism() < 2 }, () => {
  /**
   * 2,100 PNGs (past PARALLEL_DECODE_MIN): those at the indices the size guess reads (48 spread over the list) are
   * `probed` [width, height], all the others 5 × 4: the set's size.
   */
  function sizedFiles(probed: [number, number]): ImageFile[] {
    const root = tempDir();
    const n = 2100;
    const guessed = new Set(Array.from({ length: 48 }, (_, k) => Math.floor((k * n) / 48)));
    return Array.from({ length: n }, (_, i) => {
      const [w, h] = guessed.has(i) ? probed : [5, 4];
      const bytes = pngBytes(w, h, (x, y) => Array(3).fill((i * 11 + x * 17 + y * 23) % 256));
      const rel = `c${i % 2}/${String(i).padStart(4, '0')}.png`;
      return { abs: write(root, rel, bytes), file: path.join('set', rel) };
    });
  }

  for (const [name, probed] of [
    ['the few images read first have the set’s size', [5, 4]],
    ['they have another: decoded again at the set’s', [3, 2]],
  ] as const) {
    test(`the one-thread pass's values at the set's size: ${name}`, async () => {
      const files = sizedFiles([...probed]);
      const expected = decodeChunk(0, files.length, {
        size: [4, 5],
        bytes: (i) => readFileSync(files[i].abs),
        file: (i) => files[i].file,
      });
      const got = await loadImages(files, {});
      assert.deepEqual(got.shape, [4, 5, 1]);
      assert.deepEqual(got.contentHash, expected.contentHash);
      assert.deepEqual(got.x, expected.x);
    });
  }
});
