/**
 * tf.train.adam's update (tfjs-core 4.22, adam_optimizer.js) with the
 * objective's L2 term, as one loop per weight array in float32.
 *
 * Why a copy of the optimizer: the tape path runs about a dozen kernels per
 * weight array per step (moments, bias corrections, sqrt, the decay's
 * gradient), each a pass over the array and a dispatch. Here each value is
 * read once. Every float32 operation of the original is kept, in the same
 * order, with Math.fround after each: +, −, ×, ÷ and √ of float32 values
 * rounded once from float64 equal the float32 operation (float64 carries more
 * than 2·24 + 2 bits), so the weights come out bit for bit as tf.train.adam
 * leaves them (test/unit/models/denseTrainer.test.ts checks it).
 */
const f = Math.fround;

export interface AdamSettings {
  learningRate: number;
  /** The objective's (weightDecay / 2)·‖θ‖² factor, weightDecay / 2. */
  decay: number;
}

export class AdamFloat32 {
  // The constants as tfjs makes them: JS numbers turned into float32 scalar tensors.
  private readonly beta1 = f(0.9);
  private readonly beta2 = f(0.999);
  private readonly oneMinusBeta1 = f(1 - 0.9);
  private readonly oneMinusBeta2 = f(1 - 0.999);
  /** The wasm/cpu backends' epsilon() for float32. */
  private readonly epsilon = f(1e-7);
  private readonly negativeRate: number;
  private readonly decay: number;
  private accBeta1 = f(0.9);
  private accBeta2 = f(0.999);
  private correction1 = 0;
  private correction2 = 0;
  private readonly first: Float32Array[];
  private readonly second: Float32Array[];

  constructor(sizes: readonly number[], settings: AdamSettings) {
    this.negativeRate = f(-settings.learningRate);
    this.decay = f(settings.decay);
    this.first = sizes.map((n) => new Float32Array(n));
    this.second = sizes.map((n) => new Float32Array(n));
  }

  /** Call once per step before the update() of each array: tfjs reads 1 − β^t at the start of applyGradients. */
  beginStep(): void {
    this.correction1 = f(1 - this.accBeta1);
    this.correction2 = f(1 - this.accBeta2);
  }

  /**
   * Updates weights k in place from the loss gradient (without the decay
   * term, which is added here as the tape adds it: decay·(2θ)). Returns
   * Σθ² of the weights before the update, summed in order (the objective's
   * decay term, as tf.sum computes it on wasm).
   */
  update(k: number, weights: Float32Array, lossGradient: Float32Array): number {
    const m = this.first[k];
    const v = this.second[k];
    const { beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, negativeRate, decay, correction1, correction2 } = this;
    let squares = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      squares = f(squares + f(w * w));
      const g = f(lossGradient[i] + f(decay * f(w * 2)));
      const mi = f(f(m[i] * beta1) + f(g * oneMinusBeta1));
      const vi = f(f(v[i] * beta2) + f(f(g * g) * oneMinusBeta2));
      m[i] = mi;
      v[i] = vi;
      const mHat = f(mi / correction1);
      const vHat = f(vi / correction2);
      weights[i] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + epsilon)) * negativeRate) + w);
    }
    return squares;
  }

  /** Call once per step after every update(). */
  endStep(): void {
    this.accBeta1 = f(this.accBeta1 * this.beta1);
    this.accBeta2 = f(this.accBeta2 * this.beta2);
  }
}
