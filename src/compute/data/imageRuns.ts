/**
 * A decoded image set as consecutive runs of images (an image dataset's training samples, then its test samples),
 * each run its own array in shared memory where there is any, as featurize.ts gives a table's features: the training
 * threads read the training run without a copy (pipeline/fit.ts copies into shared memory whatever is not there), and
 * the decode pass writes each image straight into its run. Before, the pass joined its chunks into one tensor of the
 * whole set, the loader cut that into the training and test arrays, and the training stage copied the training array
 * into shared memory: three copies of the pixels (on 10k MNIST, 31 MB each; ~0.24 s of the analysis thread).
 */

/** Arrays for runs of counts[k] images of `perImage` values each (zeros), in shared memory where there is any. */
export function allocateRuns(counts: number[], perImage: number): Float32Array[] {
  return counts.map((count) =>
    typeof SharedArrayBuffer === 'function'
      ? new Float32Array(new SharedArrayBuffer(count * perImage * Float32Array.BYTES_PER_ELEMENT))
      : new Float32Array(count * perImage),
  );
}

/**
 * Writes the values of images first, first + 1, … (`values`, `perImage` each, row-major) into the runs they fall in,
 * images counted over the runs end to end.
 */
export function writeImages(
  runs: Float32Array[],
  counts: number[],
  perImage: number,
  first: number,
  values: Float32Array,
): void {
  const images = values.length / perImage;
  let runStart = 0;
  for (let k = 0; k < runs.length; k++) {
    const from = Math.max(first, runStart);
    const to = Math.min(first + images, runStart + counts[k]);
    if (from < to) {
      const part = values.subarray((from - first) * perImage, (to - first) * perImage);
      runs[k].set(part, (from - runStart) * perImage);
    }
    runStart += counts[k];
  }
}

/**
 * The runs of a tensor of all the images: copies of its consecutive parts, in shared memory where there is any; a
 * single run is the tensor itself, wherever it is (a caller that wants the whole set has it without a copy).
 */
export function cutIntoRuns(x: Float32Array, counts: number[], perImage: number): Float32Array[] {
  if (counts.length === 1) return [x];
  const runs = allocateRuns(counts, perImage);
  writeImages(runs, counts, perImage, 0, x);
  return runs;
}
