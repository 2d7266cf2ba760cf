/**
 * Makes double backprop (Hessian-vector products) correct in tfjs-core 4.22.
 *
 * First of all, tfjs-core's main (CJS) build registers NO gradients at all:
 * the @tensorflow/tfjs umbrella normally imports them, and we do not ship the
 * umbrella. We import tfjs-core's own registration module (an ES-module copy
 * of the gradient code; it shares the engine and registries with the CJS
 * build through tfjs's globals, and is listed in tfjs-core's `sideEffects`,
 * so esbuild keeps it).
 *
 * Why the fixes below are needed — measured in 4.22, see test/unit/tf/secondOrderGradients.test.ts:
 *
 * - A gradient that uses the kernel's saved OUTPUT is wrong the second time
 *   round. The engine saves outputs as clones recorded on the tape *before*
 *   the kernel's own node, so the tape filter (which walks forward from the
 *   inputs) drops the clone: the saved output acts as a constant and every
 *   term of the second derivative that flows through it silently vanishes.
 *   Kernels affected (outputsToSave in 4.22): Exp, Sigmoid, Tanh, Softmax,
 *   LogSoftmax, Max, Min, MaxPool, Elu, Pow, LRN. We re-register Exp, Sigmoid
 *   and Tanh to recompute from the saved INPUT; Softmax/LogSoftmax are avoided
 *   by writing cross-entropy as log-sum-exp (below); Max/Min only feed their
 *   saved output into `equal`, whose derivative is zero anyway, so they are
 *   right once the comparison ops have gradients. MaxPool runs only as a
 *   forward kernel inside a custom gradient (models/layers.ts); Elu, Pow and
 *   LRN are not used by our models and stay as they are.
 *   Measured with the stock Exp gradient: the HVP of a small ReLU MLP through
 *   log-sum-exp cross-entropy was off by 200% (tanh MLP 119%, sigmoid 135%)
 *   without any error; with these fixes ~1e-7 of a float64 reference.
 * - Comparison ops (Equal, Greater, Less, LessEqual, NotEqual) have no gradient,
 *   so differentiating Max's gradient (`dy · cast(equal(x, max))`) throws. Their
 *   derivative is zero almost everywhere; we register exactly that.
 *   GreaterEqual already has one in 4.22 — we only fill in what is missing.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/** Gradient that recomputes the activation from the saved input x. */
function fromInput(kernelName: string, derivative: (x: tf.Tensor) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      return { x: () => tf.mul(dy as tf.Tensor, derivative(x)) };
    },
  };
}

const activationGradients: tf.GradConfig[] = [
  fromInput(tf.Exp, (x) => tf.exp(x)),
  fromInput(tf.Sigmoid, (x) => {
    const s = tf.sigmoid(x);
    return tf.mul(s, tf.sub(1, s));
  }),
  fromInput(tf.Tanh, (x) => tf.sub(1, tf.square(tf.tanh(x)))),
];

const comparisonKernels = [tf.Equal, tf.Greater, tf.GreaterEqual, tf.Less, tf.LessEqual, tf.NotEqual];

/** A zero gradient for both operands of a comparison (piecewise constant). */
function zeroBinaryGradient(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, saved) => {
      const [a, b] = saved;
      return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
    },
  };
}

/**
 * Registers the fixes. Idempotent and cheap: it compares registry entries by
 * identity, so calling it again after another copy of tfjs-core (e.g. inside
 * tfjs-node) re-registered the stock gradients puts ours back.
 */
export function registerSecondOrderGradients(): void {
  for (const config of activationGradients) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
  for (const name of comparisonKernels) {
    if (tf.getGradient(name) == null) tf.registerGradient(zeroBinaryGradient(name));
  }
}

/**
 * Row-wise max that autodiff treats as a constant (zero gradient). Used for
 * the max-subtraction in log-sum-exp: the result is mathematically
 * independent of the shift, so cutting it out of the graph changes no
 * derivative and keeps Max out of the backward pass entirely.
 */
const rowMaxNoGradient = tf.customGrad((...inputs) => {
  const x = inputs[0] as tf.Tensor;
  return { value: tf.max(x, -1, true), gradFunc: () => tf.zerosLike(x) };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * Per-row log Σ_k exp(z_k), numerically stable and twice differentiable
 * (uses only Exp, Log, Sum, Sub, Add — all correct under double backprop
 * once registerSecondOrderGradients() ran).
 */
export function logSumExp(logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const shift = rowMaxNoGradient(logits);
    const shifted = tf.sub(logits, shift);
    return tf.add(tf.log(tf.sum(tf.exp(shifted), 1)), tf.reshape(shift, [-1])) as tf.Tensor1D;
  });
}

export type Reduction = 'sum' | 'mean' | 'none';

/**
 * Softmax cross-entropy CE_i = logsumexp(z_i) − Σ_k y_ik z_ik, for label rows
 * that sum to 1 (one-hot or soft labels). `reduction`: 'sum' (default — the
 * summed objective of DESIGN.md §2), 'mean', or 'none' (one value per row).
 * Twice differentiable, unlike tf.losses.softmaxCrossEntropy / tf.logSoftmax.
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labelsOneHot: tf.Tensor2D,
  reduction: Reduction = 'sum',
): tf.Tensor {
  return tf.tidy(() => {
    const perRow = tf.sub(logSumExp(logits), tf.sum(tf.mul(labelsOneHot, logits), 1));
    if (reduction === 'none') return perRow;
    return reduction === 'sum' ? tf.sum(perRow) : tf.mean(perRow);
  });
}
