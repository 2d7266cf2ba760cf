import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { readImageHeader } from '../../../src/compute/data/imageDecode';
import { loadDataset } from '../../../src/compute/data/index';
import { axisTaps, defaultSize, resizePlane } from '../../../src/compute/data/resize';
import { assertClose, grey, jpegBytes, pngBytes, rejectsInput, tempDir, write } from './helpers';

/** root/<class>/<i>.png, `perClass` images of size w×h filled with a grey level per class. */
function classFolders(root: string, classes: string[], perClass: number, w = 8, h = 8, prefix = ''): void {
  classes.forEach((c, k) => {
    for (let i = 0; i < perClass; i++)
      write(root, `${prefix}${c}/${String(i).padStart(4, '0')}.png`, pngBytes(w, h, grey(k * 100)));
  });
}

describe('image folder layouts', () => {
  test('root/<class>/*.png with a hold-out split', async () => {
    const root = tempDir();
    classFolders(root, ['cat', 'dog'], 5);
    const d = await loadDataset(root);
    assert.equal(d.format, 'imagefolder');
    assert.equal(d.labelColumn, '');
    assert.deepEqual(d.classes, ['cat', 'dog']);
    assert.equal(d.testSource, 'holdout');
    assert.equal(d.train.y.length + d.test.y.length, 10);
    assert.equal(d.test.y.length, 2);
    assert.deepEqual(d.imageShape, [8, 8, 1]);
    assert.equal(d.dims, 64);
    assert.equal(d.root, root);
    const all = [...d.train.sources, ...d.test.sources].map((s) => s.path).sort();
    assert.equal(all[0], 'cat/0000.png');
    assert.deepEqual(d.train.sources[0], { path: d.train.sources[0].path });
    assert.ok(d.train.preview.every((p) => p === ''));
    // Pixel values are the class grey level / 255.
    d.train.y.forEach((y, i) => assertClose(d.train.x[i * 64], (y * 100) / 255, 1e-6));
  });

  test('root/train/<class> with root/test/<class>', async () => {
    const root = tempDir();
    classFolders(root, ['cat', 'dog'], 3, 8, 8, 'train/');
    classFolders(root, ['cat', 'dog'], 2, 8, 8, 'test/');
    const d = await loadDataset(root);
    assert.equal(d.testSource, 'test-folder');
    assert.deepEqual(
      d.train.sources.map((s) => s.path),
      [
        'train/cat/0000.png',
        'train/cat/0001.png',
        'train/cat/0002.png',
        'train/dog/0000.png',
        'train/dog/0001.png',
        'train/dog/0002.png',
      ],
    );
    assert.deepEqual(Array.from(d.test.y), [0, 0, 1, 1]);
    assert.equal(d.test.sources[3].path, 'test/dog/0001.png');
  });

  test('a val/ folder serves as the test folder; testPath may name another folder', async () => {
    const root = tempDir();
    classFolders(root, ['a', 'b'], 2, 4, 4, 'train/');
    classFolders(root, ['a', 'b'], 1, 4, 4, 'val/');
    const d = await loadDataset(root);
    assert.equal(d.testSource, 'test-folder');
    assert.deepEqual(
      d.test.sources.map((s) => s.path),
      ['val/a/0000.png', 'val/b/0000.png'],
    );
    const other = tempDir();
    classFolders(other, ['a', 'b'], 1, 4, 4, 'holdout/');
    const e = await loadDataset(path.join(root, 'train'), { testPath: path.join(other, 'holdout') });
    assert.equal(e.testSource, 'test-folder');
    assert.equal(e.test.y.length, 2);
    assert.equal(e.root, path.dirname(root), 'the root holds both folders');
  });

  test('a test folder that is the dataset, lies inside its training images or holds them is refused', async () => {
    const root = tempDir();
    classFolders(root, ['a', 'b'], 2);
    await rejectsInput(loadDataset(root, { testPath: root }), {
      file: root,
      patterns: [/is the dataset .* itself; expected a separate test folder/],
    });
    classFolders(root, ['a', 'b'], 1, 8, 8, 'a/held/');
    await rejectsInput(loadDataset(root, { testPath: path.join(root, 'a', 'held') }), {
      file: path.join(root, 'a', 'held'),
      patterns: [/lies inside the training folder .*; expected a test folder apart from the training images/],
    });
    const outer = tempDir();
    classFolders(outer, ['a', 'b'], 2, 8, 8, 'train/');
    await rejectsInput(loadDataset(path.join(outer, 'train'), { testPath: outer }), {
      file: outer,
      patterns: [/holds the training folder/],
    });
    // The usual layout given explicitly: train/ and test/ side by side in one folder.
    classFolders(outer, ['a', 'b'], 1, 8, 8, 'test/');
    const d = await loadDataset(outer, { testPath: path.join(outer, 'test') });
    assert.equal(d.test.y.length, 2);
  });

  test('a label column given for an image folder is refused: its labels are the class folders', async () => {
    const root = tempDir();
    classFolders(root, ['a', 'b'], 2);
    await rejectsInput(loadDataset(root, { labelColumn: 'species' }), {
      file: root,
      patterns: [/is an image folder, whose labels are its class folders; expected no label column \('species'/],
    });
  });

  test('onProgress counts decoded images', async () => {
    const root = tempDir();
    classFolders(root, ['a', 'b'], 3, 4, 4);
    const calls: [number, number][] = [];
    await loadDataset(root, { onProgress: (done, total) => calls.push([done, total]) });
    assert.deepEqual(
      calls,
      [1, 2, 3, 4, 5, 6].map((k) => [k, 6]),
    );
  });

  test('non-image files are skipped with a warning, hidden files ignored, subfolders included', async () => {
    const root = tempDir();
    classFolders(root, ['a', 'b'], 2);
    write(root, 'a/notes.txt', 'hello');
    write(root, 'a/.DS_Store', 'x');
    write(root, '.hidden/x.png', pngBytes(8, 8, grey(1)));
    write(root, 'b/more/extra.png', pngBytes(8, 8, grey(100)));
    const d = await loadDataset(root, { testFraction: 0 });
    assert.equal(d.train.y.length, 5);
    assert.ok(d.train.sources.some((s) => s.path === 'b/more/extra.png'));
    assert.deepEqual(d.warnings, [`Skipped 1 non-image file (a/notes.txt); expected .png, .jpg or .jpeg.`]);
  });

  test('JPEG images decode (RGB kept when asked)', async () => {
    const root = tempDir();
    write(
      root,
      'red/1.jpg',
      jpegBytes(8, 8, () => [200, 30, 30]),
    );
    write(
      root,
      'red/2.jpeg',
      jpegBytes(8, 8, () => [210, 20, 40]),
    );
    write(
      root,
      'blue/1.JPG',
      jpegBytes(8, 8, () => [20, 30, 220]),
    );
    write(
      root,
      'blue/2.jpg',
      jpegBytes(8, 8, () => [30, 40, 200]),
    );
    const d = await loadDataset(root, { testFraction: 0, grayscale: false });
    assert.deepEqual(d.imageShape, [8, 8, 3]);
    const first = d.train.sources.findIndex((s) => s.path === 'blue/1.JPG');
    assertClose(d.train.x[first * 192 + 2], 220 / 255, 0.03, 'blue channel');
    assertClose(d.train.x[first * 192], 20 / 255, 0.03, 'red channel');
  });
});

describe('resizing', () => {
  test('a 4×4 image of 2×2 blocks shrinks to the exact block averages', async () => {
    const values = [
      [0, 40, 100, 110],
      [80, 120, 120, 130],
      [255, 255, 10, 20],
      [255, 251, 30, 40],
    ];
    const root = tempDir();
    write(
      root,
      'a/1.png',
      pngBytes(4, 4, (x, y) => grey(values[y][x])()),
    );
    write(root, 'b/1.png', pngBytes(4, 4, grey(0)));
    const d = await loadDataset(root, { testFraction: 0, imageSize: [2, 2] });
    assert.deepEqual(d.imageShape, [2, 2, 1]);
    const expected = [60, 115, 254, 25].map((v) => v / 255);
    Array.from(d.train.x.subarray(0, 4)).forEach((v, i) => assertClose(v, expected[i], 1e-6, `pixel ${i}`));
  });

  test('area averaging with a non-integer factor weights partial overlaps', () => {
    // 3 → 2: output 0 covers source [0, 1.5), output 1 covers [1.5, 3).
    const out = resizePlane(Float32Array.from([3, 6, 9]), 1, 3, 1, 2);
    assertClose(out[0], (3 * 1 + 6 * 0.5) / 1.5);
    assertClose(out[1], (6 * 0.5 + 9 * 1) / 1.5);
  });

  test('bilinear when enlarging: half-pixel centres, edges clamped', () => {
    const taps = axisTaps(2, 4);
    assert.deepEqual(Array.from(taps.start), [0, 1, 3, 5, 6]);
    const out = resizePlane(Float32Array.from([0, 1]), 1, 2, 1, 4);
    assert.deepEqual(Array.from(out), [0, 0.25, 0.75, 1]);
  });

  test('default size: the most common size, longer side cut to 32', () => {
    assert.deepEqual(
      defaultSize([
        [64, 48],
        [64, 48],
        [10, 10],
      ]),
      [32, 24],
    );
    assert.deepEqual(
      defaultSize([
        [28, 28],
        [30, 30],
        [28, 28],
      ]),
      [28, 28],
    );
  });

  test('through loadDataset: mixed sizes go to the most common one', async () => {
    const root = tempDir();
    write(root, 'a/1.png', pngBytes(48, 64, grey(10)));
    write(root, 'a/2.png', pngBytes(48, 64, grey(10)));
    write(root, 'b/1.png', pngBytes(10, 10, grey(200)));
    write(root, 'b/2.png', pngBytes(48, 64, grey(200)));
    const d = await loadDataset(root, { testFraction: 0 });
    assert.deepEqual(d.imageShape, [32, 24, 1]);
    const b1 = d.train.sources.findIndex((s) => s.path === 'b/1.png');
    assert.ok(
      d.train.x.subarray(b1 * 768, (b1 + 1) * 768).every((v) => Math.abs(v - 200 / 255) < 1e-6),
      'an enlarged flat image stays flat',
    );
  });
});

describe('channels', () => {
  test(
    'auto: grey when every image has R = G = B; RGB as soon as one is ' + 'coloured (earlier images replicated)',
    async () => {
      const root = tempDir();
      write(root, 'a/1.png', pngBytes(2, 2, grey(50)));
      write(root, 'b/1.png', pngBytes(2, 2, grey(150)));
      const g = await loadDataset(root, { testFraction: 0 });
      assert.deepEqual(g.imageShape, [2, 2, 1]);
      write(
        root,
        'b/2.png',
        pngBytes(2, 2, () => [255, 0, 0]),
      );
      const c = await loadDataset(root, { testFraction: 0 });
      assert.deepEqual(c.imageShape, [2, 2, 3]);
      assert.deepEqual(Array.from(c.train.x.subarray(0, 3)), [50 / 255, 50 / 255, 50 / 255].map(Math.fround));
      assert.deepEqual(Array.from(c.train.x.subarray(24, 27)), [1, 0, 0]);
    },
  );

  test('forced grayscale uses luma; transparent pixels are composited over white', async () => {
    const root = tempDir();
    write(
      root,
      'a/1.png',
      pngBytes(2, 1, (x) => (x === 0 ? [255, 0, 0, 255] : [0, 0, 0, 0])),
    );
    write(
      root,
      'b/1.png',
      pngBytes(2, 1, () => [0, 0, 0, 128]),
    );
    const d = await loadDataset(root, { testFraction: 0, grayscale: true });
    assert.deepEqual(d.imageShape, [1, 2, 1]);
    assertClose(d.train.x[0], 0.299, 1e-6, 'luma of red');
    assertClose(d.train.x[1], 1, 1e-6, 'transparent black → white');
    assertClose(d.train.x[2], 1 - 128 / 255, 1e-6, 'half-transparent black → grey');
  });
});

describe('image errors', () => {
  test('a truncated PNG names the file', async () => {
    const root = tempDir();
    classFolders(root, ['a', 'b'], 2);
    const bytes = pngBytes(8, 8, (x, y) => [x * 30, y * 30, 7]);
    const bad = write(root, 'b/bad.png', bytes.subarray(0, bytes.length - 20));
    await rejectsInput(loadDataset(root), {
      file: bad,
      line: null,
      patterns: [
        /could not decode the PNG image \(the data ends early: the file looks truncated\)/,
        /expected a complete, valid PNG file/,
      ],
    });
  });

  test('a truncated JPEG names the file', async () => {
    const root = tempDir();
    classFolders(root, ['a', 'b'], 2);
    const bytes = jpegBytes(16, 16, (x, y) => [x * 10, y * 10, 99]);
    const bad = write(root, 'a/bad.jpg', bytes.subarray(0, Math.floor(bytes.length / 2)));
    await rejectsInput(loadDataset(root), { file: bad, patterns: [/could not decode the JPEG image/] });
  });

  test('a text file named .png', async () => {
    const root = tempDir();
    classFolders(root, ['a', 'b'], 2);
    const bad = write(root, 'a/fake.png', 'not an image');
    await rejectsInput(loadDataset(root), { file: bad, patterns: [/not a readable PNG or JPEG/] });
  });

  test('a decompression bomb is refused from its header', async () => {
    const root = tempDir();
    classFolders(root, ['a', 'b'], 2);
    const bytes = Buffer.from(pngBytes(8, 8, grey(0)));
    bytes.writeUInt32BE(20000, 16);
    bytes.writeUInt32BE(20000, 20);
    assert.deepEqual(readImageHeader(bytes), { type: 'png', width: 20000, height: 20000 });
    const bomb = write(root, 'a/bomb.png', bytes);
    await rejectsInput(loadDataset(root), {
      file: bomb,
      patterns: [/20000×20000 image \(400 megapixels\)/, /expected at most 50 megapixels/],
    });
    // Also when the size is given, so no header pass runs first.
    await rejectsInput(loadDataset(root, { imageSize: [8, 8] }), { file: bomb, patterns: [/megapixels/] });
  });

  test('JPEG header size is read without decoding', () => {
    assert.deepEqual(readImageHeader(jpegBytes(24, 16, grey(9))), { type: 'jpeg', width: 24, height: 16 });
  });

  test('an empty folder, and a folder with one class', async () => {
    const empty = tempDir();
    write(empty, 'readme.md', '# nothing');
    await rejectsInput(loadDataset(empty), {
      file: empty,
      patterns: [/no images found/, /expected class folders of \.png\/\.jpg files/],
    });
    const one = tempDir();
    classFolders(one, ['only'], 3);
    await rejectsInput(loadDataset(one), {
      file: one,
      patterns: [/only one class \('only'\) in the class folders/, /expected at least two classes/],
    });
  });

  test('the error path joins the folder the user gave', async () => {
    const root = tempDir();
    classFolders(root, ['a', 'b'], 1);
    write(root, 'b/zz.png', 'junk');
    const given = path.relative(process.cwd(), root);
    await rejectsInput(loadDataset(given), { file: path.join(given, 'b', 'zz.png'), patterns: [/not a readable/] });
  });
});
