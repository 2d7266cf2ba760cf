/**
 * The head restricted to the features some training row uses. A feature j that is zero in every training row (MNIST
 * pixels: 113 border pixels of 784 that none of the 8,000 training digits of the 10k set inks; a ReLU unit dead on
 * the whole training set) meets no training loss: its row of W has gradient l2·W_j only, and the damped Hessian
 * H + δI is block diagonal with (l2 + δ)·I on that row's C parameters. So the optimum has W_j = 0, every training
 * gradient is zero there, and
 *   g_tᵀ(H + δI)⁻¹g_i = g′_tᵀ(H′ + δI)⁻¹g′_i
 * over the kept rows alone for every training gradient g_i — influence, self-influence and every solve with a
 * training gradient lose nothing, while the Hessian's formation and the whitening cost (D′/D)² and its factor
 * (D′/D)³ (MNIST logreg: D′ = 672 of 785, 0.73× and 0.63×). headFactor.ts solves along the dropped rows with l2 + δ.
 * A reduced head vector is laid out like the head's (softmaxHead.ts): the kept features' rows in order, then the bias.
 */
import { nonzeroColumns, selectColumns } from '../linalg/columnSubset';
import type { HeadData, HeadShape } from './softmaxHead';

/**
 * The features some training row uses, or undefined when that is all of them — or none (a head of biases alone is
 * left as it is: nothing would be saved). The training rows: `train.phi`'s, or its rows `rows` (a fold's).
 */
export function trainedFeatures(train: HeadData, featureDim: number, rows?: Int32Array): Int32Array | undefined {
  const columns = nonzeroColumns([{ x: train.phi, n: train.n, rows }], featureDim);
  return columns.length === featureDim || columns.length === 0 ? undefined : columns;
}

/** The head's shape over `columns` of its features. */
export function subsetShape(shape: HeadShape, columns: Int32Array): HeadShape {
  return { featureDim: columns.length, numClasses: shape.numClasses };
}

/** `data` with only `columns` of its `featureDim` features (of `data.phi`'s rows `rows`, when given). */
export function selectFeatures(data: HeadData, featureDim: number, columns: Int32Array, rows?: Int32Array): HeadData {
  return { phi: selectColumns({ x: data.phi, n: data.n, rows }, featureDim, columns), y: data.y, n: data.n };
}

/** The row of W (in the full head) of each row of the reduced head: the kept features', then the bias's. */
function fullRows(shape: HeadShape, columns: Int32Array): Int32Array {
  const rows = new Int32Array(columns.length + 1);
  rows.set(columns);
  rows[columns.length] = shape.featureDim;
  return rows;
}

/** The rows of a head vector (length (F + 1)·C) on the kept features and the bias, laid out as a reduced head. */
export function restrictToFeatures(v: ArrayLike<number>, shape: HeadShape, columns: Int32Array): Float64Array {
  const c = shape.numClasses;
  const rows = fullRows(shape, columns);
  const out = new Float64Array(rows.length * c);
  rows.forEach((row, r) => {
    for (let k = 0; k < c; k++) out[r * c + k] = v[row * c + k];
  });
  return out;
}

/** A reduced head vector in the full head's layout, `fill(row, k)` on the rows of the dropped features (default 0). */
export function expandFromFeatures(
  reduced: ArrayLike<number>,
  shape: HeadShape,
  columns: Int32Array,
  fill?: (row: number, k: number) => number,
): Float64Array {
  const c = shape.numClasses;
  const out = new Float64Array((shape.featureDim + 1) * c);
  if (fill) for (let i = 0; i < out.length; i++) out[i] = fill(Math.floor(i / c), i % c);
  fullRows(shape, columns).forEach((row, r) => {
    for (let k = 0; k < c; k++) out[row * c + k] = reduced[r * c + k];
  });
  return out;
}
