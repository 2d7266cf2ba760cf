/**
 * Resizing of one float image plane, separably (rows, then columns).
 *
 * Per axis: shrinking uses area averaging (a box filter: each output pixel is
 * the overlap-weighted mean of the source pixels it covers, so no source
 * pixel is skipped and thin strokes survive); enlarging uses bilinear
 * interpolation with pixel centres at half-integers; an unchanged axis is
 * copied. The two axes choose independently.
 */

/** For each output index, the source indices and weights that make it (weights sum to 1). */
interface Taps {
  /** Taps of output o are at [start[o], start[o + 1]). */
  start: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

const cache = new Map<string, Taps>();

export function axisTaps(inSize: number, outSize: number): Taps {
  const key = `${inSize}:${outSize}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const start = new Int32Array(outSize + 1);
  const index: number[] = [];
  const weight: number[] = [];
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    start[o] = index.length;
    if (inSize === outSize) {
      index.push(o);
      weight.push(1);
    } else if (inSize > outSize) {
      const lo = o * scale;
      const hi = (o + 1) * scale;
      for (let i = Math.floor(lo); i < Math.min(inSize, Math.ceil(hi)); i++) {
        const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
        if (overlap > 1e-12) {
          index.push(i);
          weight.push(overlap / scale);
        }
      }
    } else {
      const c = Math.min(inSize - 1, Math.max(0, (o + 0.5) * scale - 0.5));
      const i0 = Math.floor(c);
      const t = c - i0;
      index.push(i0);
      weight.push(1 - t);
      if (t > 0) {
        index.push(Math.min(i0 + 1, inSize - 1));
        weight.push(t);
      }
    }
  }
  start[outSize] = index.length;
  const taps = { start, index: Int32Array.from(index), weight: Float64Array.from(weight) };
  if (cache.size > 64) cache.clear();
  cache.set(key, taps);
  return taps;
}

/** Resizes the row-major h×w plane `src` to oh×ow. */
export function resizePlane(src: Float32Array, h: number, w: number, oh: number, ow: number): Float32Array {
  if (h === oh && w === ow) return src;
  const tx = axisTaps(w, ow);
  const ty = axisTaps(h, oh);
  // Rows first: h × ow.
  const tmp = new Float32Array(h * ow);
  for (let y = 0; y < h; y++) {
    const rowIn = y * w;
    const rowOut = y * ow;
    for (let o = 0; o < ow; o++) {
      let acc = 0;
      for (let k = tx.start[o]; k < tx.start[o + 1]; k++) acc += tx.weight[k] * src[rowIn + tx.index[k]];
      tmp[rowOut + o] = acc;
    }
  }
  // Then columns: oh × ow.
  const out = new Float32Array(oh * ow);
  for (let o = 0; o < oh; o++) {
    const rowOut = o * ow;
    for (let k = ty.start[o]; k < ty.start[o + 1]; k++) {
      const wgt = ty.weight[k];
      const rowIn = ty.index[k] * ow;
      for (let x = 0; x < ow; x++) out[rowOut + x] += wgt * tmp[rowIn + x];
    }
  }
  return out;
}

/**
 * The default size for a set of images: the most common (height, width)
 * (ties: the first seen), shrunk keeping the aspect ratio so the longer side
 * is at most `maxSide`. Small models need small inputs; we never enlarge here.
 */
export function defaultSize(sizes: [number, number][], maxSide = 32): [number, number] {
  const counts = new Map<string, { size: [number, number]; count: number }>();
  let best: { size: [number, number]; count: number } | undefined;
  for (const size of sizes) {
    const key = `${size[0]}x${size[1]}`;
    const entry = counts.get(key) ?? { size, count: 0 };
    entry.count++;
    counts.set(key, entry);
    if (!best || entry.count > best.count) best = entry;
  }
  const [h, w] = best!.size;
  const scale = Math.min(1, maxSide / Math.max(h, w));
  return [Math.max(1, Math.round(h * scale)), Math.max(1, Math.round(w * scale))];
}
