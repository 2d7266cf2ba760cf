/**
 * Exact influence over the softmax head (DESIGN.md §2):
 *
 *   infl(i, t) = g_tᵀ H⁻¹ g_i        (predicted change of t's loss if i is removed)
 *   s_i        = g_iᵀ H⁻¹ g_i        (self-influence)
 *
 * with H = L·Lᵀ the (damped) Hessian factored in Float64. We whiten once,
 * w = L⁻¹g, so that every influence is a dot product w_tᵀw_i: the whitening
 * and the train × test products are float32 matMuls on the fast backend,
 * streamed over blocks of training samples so memory stays O(block·P),
 * never O(n·P). The whitening skips L⁻ᵀ's zero half (triangularProduct.ts).
 */
import { invertLowerBlocked } from '../linalg/blockedCholesky';
import { fastMatMulAvailable, MIXED_PRECISION } from '../linalg/fastFactor';
import { matMul, transpose } from '../linalg/matmul';
import { LowerTransposeProduct } from '../linalg/triangularProduct';
import { throwIfAborted } from '../cancel';
import { type HeadData, type HeadShape, headParameterCount, perSampleGradients } from '../head/softmaxHead';
import { TopKTracker } from './topK';

export interface ExactInfluenceInput {
  train: HeadData;
  test: HeadData;
  shape: HeadShape;
  /** Softmax probabilities at θ̂ for train and test (n × C). */
  trainProbs: Float64Array;
  testProbs: Float64Array;
  /** Cholesky factor of the damped Hessian at θ̂ (from polishHeadNewton). */
  factor: Float64Array;
  topK: number;
  /** Training samples per streamed block. */
  blockSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface InfluenceScores {
  /** s_i for every training sample. */
  selfInfluence: Float64Array;
  /** Per test sample: top proponents (largest positive influence) and opponents (most negative). */
  topK: TopKTracker;
}

export function computeExactHeadInfluence(input: ExactInfluenceInput): InfluenceScores {
  const p = headParameterCount(input.shape);
  // L⁻¹ is rounded to float32 for the whitening products anyway; its O(P³) update runs as float32
  // matMuls (right-hand sides accumulated in float64) when the head is large enough to pay.
  const mixed = p >= MIXED_PRECISION.minSize && fastMatMulAvailable();
  const inverseFactor = invertLowerBlocked(input.factor, p, mixed, input.signal);
  // W = G·L⁻ᵀ, i.e. row r is L⁻¹ g_r.
  const whitening = new LowerTransposeProduct(inverseFactor, p);
  try {
    return influenceFromWhitening(input, p, whitening);
  } finally {
    whitening.dispose();
  }
}

function influenceFromWhitening(
  input: ExactInfluenceInput,
  p: number,
  whitening: LowerTransposeProduct,
): InfluenceScores {
  const { train, test, shape } = input;

  const testGradients = new Float32Array(test.n * p);
  perSampleGradients(test, shape, input.testProbs, 0, test.n, testGradients);
  const whitenedTest = whitening.multiply(testGradients, test.n);

  const selfInfluence = new Float64Array(train.n);
  const tracker = new TopKTracker(test.n, Math.min(input.topK, train.n));
  const blockSize = input.blockSize ?? 2048;
  const blockGradients = new Float32Array(Math.min(blockSize, train.n) * p);

  let whitenedTestT: Float32Array | null | undefined;
  for (let start = 0; start < train.n; start += blockSize) {
    throwIfAborted(input.signal);
    const end = Math.min(start + blockSize, train.n);
    const rows = end - start;
    const gradients = blockGradients.subarray(0, rows * p);
    perSampleGradients(train, shape, input.trainProbs, start, end, gradients);
    const whitened = whitening.multiply(gradients, rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let q = r * p; q < (r + 1) * p; q++) s += whitened[q] * whitened[q];
      selfInfluence[start + r] = s;
    }
    if (test.n > 0 && tracker.k > 0) {
      // scores (test × block) = W_test·W_blockᵀ. With fewer test samples than parameters, (W_block·W_testᵀ)ᵀ
      // transposes the small rows × test result instead of the rows × P block (W_testᵀ is transposed once).
      whitenedTestT ??= test.n < p ? transpose(whitenedTest, test.n, p) : null;
      const scores = whitenedTestT
        ? transpose(matMul(whitened, rows, p, whitenedTestT, test.n), rows, test.n)
        : matMul(whitenedTest, test.n, p, transpose(whitened, rows, p), rows);
      for (let t = 0; t < test.n; t++) tracker.offerRow(t, start, scores, t * rows, rows);
    }
    input.onProgress?.(end, train.n);
  }
  return { selfInfluence, topK: tracker };
}
