/** The im2col convolution and reshape max-pool against naive float64 loops. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/compute/tf/backend';
import { conv3x3Same, maxPool2x2 } from '../../../src/compute/models/layers';
import { createRng, normal } from '../../../src/compute/random';

before(async () => {
  assert.equal((await initBackend('wasm')).name, 'wasm');
});

function randomArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => normal(rng));
}

test('conv3x3Same equals a direct zero-padded 3×3 convolution (HWIO kernel)', () => {
  const [b, h, w, cin, cout] = [2, 5, 4, 3, 2];
  const x = randomArray(b * h * w * cin, 1);
  const k = randomArray(9 * cin * cout, 2);
  const bias = randomArray(cout, 3);
  const got = tf.tidy(() =>
    conv3x3Same(tf.tensor4d(x, [b, h, w, cin]), tf.tensor4d(k, [3, 3, cin, cout]), tf.tensor1d(bias)).dataSync(),
  );
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let o = 0; o < cout; o++) {
          let s = bias[o];
          for (let di = 0; di < 3; di++) {
            for (let dj = 0; dj < 3; dj++) {
              const ii = i + di - 1;
              const jj = j + dj - 1;
              if (ii < 0 || jj < 0 || ii >= h || jj >= w) continue;
              for (let c = 0; c < cin; c++)
                s += x[((n * h + ii) * w + jj) * cin + c] * k[((di * 3 + dj) * cin + c) * cout + o];
            }
          }
          const at = ((n * h + i) * w + j) * cout + o;
          assert.ok(Math.abs(got[at] - s) < 1e-5, `out[${n},${i},${j},${o}] ${got[at]} vs ${s}`);
        }
      }
    }
  }
});

test('maxPool2x2 takes the max of each 2×2 window and drops an odd last row/column', () => {
  const [b, h, w, c] = [2, 5, 7, 3];
  const x = randomArray(b * h * w * c, 4);
  const out = tf.tidy(() => maxPool2x2(tf.tensor4d(x, [b, h, w, c])));
  assert.deepEqual(out.shape, [2, 2, 3, 3]);
  const got = out.dataSync();
  out.dispose();
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        for (let o = 0; o < c; o++) {
          const at = (r: number, s: number) => x[((n * h + r) * w + s) * c + o];
          const m = Math.max(at(2 * i, 2 * j), at(2 * i, 2 * j + 1), at(2 * i + 1, 2 * j), at(2 * i + 1, 2 * j + 1));
          assert.equal(got[((n * 2 + i) * 3 + j) * c + o], Math.fround(m));
        }
      }
    }
  }
});

test('maxPool2x2 sends the gradient of a tied window to its first maximum only', () => {
  // One 2×2 window of four equal values (a flat image region) and one with a clear max.
  const x = tf.tensor4d([3, 3, 1, 5, 3, 3, 2, 0], [1, 2, 4, 1]);
  const g = tf.tidy(() =>
    Array.from(
      tf
        .grad((t: tf.Tensor) => tf.sum(maxPool2x2(t as tf.Tensor4D)))(x)
        .dataSync(),
    ),
  );
  // Layout row-major [h=2][w=4]: window 1 = x[0,0],x[0,1],x[1,0],x[1,1]; window 2 = x[0,2],x[0,3],x[1,2],x[1,3].
  assert.deepEqual(g, [1, 0, 0, 1, 0, 0, 0, 0]);
  x.dispose();
});
