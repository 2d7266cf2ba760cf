/**
 * Φ̃ = [Φ, 1] (n × D) and its explicit transpose on the backend, for the head's float32 products
 * (fastHeadObjective.ts). Both are written in the backend's heap from where the features already are
 * (tf/filledTensor.ts): a logistic regression's fold is its rows of the training inputs over the features some row
 * uses, read in place, so a training thread holds no JS copy of them beside the two tensors. Before, it held two
 * (the used features gathered, and again with a bias column): four copies of the inputs at the fit's peak.
 */
import * as tf from '@tensorflow/tfjs-core';
import { filledTensor } from '../tf/filledTensor';
import type { HeadData, HeadShape } from './softmaxHead';

/**
 * The head's features Φ (n × F) read in place: rows `rows` (else the first n) of the row-major `x` of width `width`,
 * its columns `columns` (else all: then width = F).
 */
export interface FeatureRows {
  x: Float32Array;
  width: number;
  n: number;
  rows?: Int32Array;
  columns?: Int32Array;
}

/** The head's training data with its features read in place (a fold's used inputs: models/fitLogreg.ts). */
export interface HeadRows {
  features: FeatureRows;
  y: Int32Array;
  n: number;
}

/** A head fit's training data: the features as an n × F matrix, or read in place. */
export type HeadFitData = HeadData | HeadRows;

export function featureRowsOf(data: HeadFitData, shape: HeadShape): FeatureRows {
  const rows = 'features' in data ? data.features : { x: data.phi, width: shape.featureDim, n: data.n };
  const f = rows.columns?.length ?? rows.width;
  if (f !== shape.featureDim) throw new Error(`the features have ${f} columns, the head ${shape.featureDim}`);
  if (rows.n !== data.n || (rows.rows && rows.rows.length !== rows.n))
    throw new Error(`${rows.rows?.length ?? rows.n} feature rows for ${data.n} samples`);
  if (!rows.rows && rows.x.length < rows.n * rows.width)
    throw new Error(`${rows.x.length} feature values for ${rows.n} rows of ${rows.width}`);
  return rows;
}

/** Φ̃ and Φ̃ᵀ of `data`'s features, resident on the backend. */
export function biasedFeatureTensors(
  data: HeadFitData,
  shape: HeadShape,
): { phiTensor: tf.Tensor2D; phiTTensor: tf.Tensor2D } {
  const { x, width, n, rows, columns } = featureRowsOf(data, shape);
  const f = shape.featureDim;
  const d = f + 1;
  const phiTensor = filledTensor<tf.Rank.R2>([n, d], (out) => {
    for (let r = 0; r < n; r++) {
      const from = (rows ? rows[r] : r) * width;
      const to = r * d;
      if (columns) for (let j = 0; j < f; j++) out[to + j] = x[from + columns[j]];
      else out.set(x.subarray(from, from + f), to);
      out[to + f] = 1;
    }
  });
  return { phiTensor, phiTTensor: tf.transpose(phiTensor) };
}
