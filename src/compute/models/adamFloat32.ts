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
 *
 * adamSimd.ts runs the same operations four lanes at a time in wasm; this
 * loop is its reference and its fallback.
 */
const f = Math.fround;

export interface AdamSettings {
  learningRate: number;
  /** The objective's (weightDecay / 2)·‖θ‖² factor, weightDecay / 2. */
  decay: number;
}

/** The update's float32 constants as tfjs makes them (JS numbers turned into float32 scalar tensors). */
export function adamConstants(settings: AdamSettings) {
  return {
    beta1: f(0.9),
    beta2: f(0.999),
    oneMinusBeta1: f(1 - 0.9),
    oneMinusBeta2: f(1 - 0.999),
    /** The wasm/cpu backends' epsilon() for float32. */
    epsilon: f(1e-7),
    negativeRate: f(-settings.learningRate),
    decay: f(settings.decay),
  };
}

/**
 * Adam over a set of weight arrays with their gradient buffers. A step:
 * beginStep(), update(k) for every array k (after the caller filled
 * gradients[k] with the loss gradient, without the decay term), endStep().
 */
export interface AdamArrays {
  readonly weights: Float32Array[];
  readonly gradients: Float32Array[];
  beginStep(): void;
  /** Updates weights[k] in place; returns Σθ² of its values before the update, summed in index order. */
  update(k: number): number;
  endStep(): void;
}

/** Adam's bias corrections 1 − β^t, as tfjs keeps β^t: a float32 product updated after each step. */
export class BiasCorrection {
  private accBeta1 = f(0.9);
  private accBeta2 = f(0.999);
  correction1 = 0;
  correction2 = 0;

  /** tfjs reads 1 − β^t at the start of applyGradients. */
  begin(): void {
    this.correction1 = f(1 - this.accBeta1);
    this.correction2 = f(1 - this.accBeta2);
  }

  end(): void {
    this.accBeta1 = f(this.accBeta1 * f(0.9));
    this.accBeta2 = f(this.accBeta2 * f(0.999));
  }
}

export class AdamFloat32 implements AdamArrays {
  readonly weights: Float32Array[];
  readonly gradients: Float32Array[];
  private readonly first: Float32Array[];
  private readonly second: Float32Array[];
  private readonly constants: ReturnType<typeof adamConstants>;
  private readonly bias = new BiasCorrection();

  constructor(initial: readonly Float32Array[], settings: AdamSettings) {
    this.weights = initial.map((w) => Float32Array.from(w));
    this.gradients = initial.map((w) => new Float32Array(w.length));
    this.first = initial.map((w) => new Float32Array(w.length));
    this.second = initial.map((w) => new Float32Array(w.length));
    this.constants = adamConstants(settings);
  }

  beginStep(): void {
    this.bias.begin();
  }

  update(k: number): number {
    const weights = this.weights[k];
    const gradient = this.gradients[k];
    const m = this.first[k];
    const v = this.second[k];
    const { beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, negativeRate, decay } = this.constants;
    const { correction1, correction2 } = this.bias;
    let squares = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      squares = f(squares + f(w * w));
      // The decay term's gradient as the tape forms it: decay · (2θ).
      const g = f(gradient[i] + f(decay * f(w * 2)));
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

  endStep(): void {
    this.bias.end();
  }
}
