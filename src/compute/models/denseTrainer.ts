/**
 * Minibatch Adam steps for a dense ReLU network (the MLP, and logistic
 * regression as the network without hidden layers) with hand-written
 * backpropagation on the wasm backend: tfjs runs only the matMuls, exp and
 * log; everything else is plain float32 arithmetic here.
 *
 * Why: through the gradient tape and tf.train.adam a step of the 784-128-10
 * MLP ran about 200 kernels (the tape's bookkeeping, a dozen elementwise
 * passes per weight array, a transpose of the batch) around 2 ms of matMuls,
 * and took 6 ms. Here it runs 7 kernels.
 *
 * The result is the tape path's, bit for bit (denseTrainer.test.ts): the
 * matMuls have the same operands as the transpose-free matMul gradient
 * (tf/fastMatMulGradient.ts) gives them, exp and log are the backend's own
 * kernels, and every other operation is the tape's float32 operation in the
 * tape's order (Math.fround after each; wasm sums run in index order, which
 * the loops below follow). The derivation, from models/train.ts's objective
 *   mean_i [logΣexp(z_i − s_i) + s_i − Σ_k y_ik z_ik] + decay·Σθ²,
 * with the gradient rules of tfjs-core 4.22 (Mean, Sum, Log, the Exp rule of
 * tf/secondOrderGradients.ts, Sub, Mul, Add, Relu, Square):
 *   q = 1/m;  r_i = q / S_i;  ∂z_ik = r_i·e_ik + (−q)·y_ik
 * and for each bias the column sums of its layer's gradient, in row order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { transpose } from '../linalg/matmul';
import { readFloatsInto } from '../tf/readFloats';
import { type AdamArrays, AdamFloat32 } from './adamFloat32';
import { AdamSimd } from './adamSimd';
import { gatherRowsInto, labelsInto } from './batches';
import { scatterMatrixRows, usedInputColumns } from './inputColumns';
import { taskRows } from './taskRows';
import type { BatchTrainer } from './batchTrainer';
import type { ModelConfig, NamedArray, TrainingData } from './types';

const f = Math.fround;

export interface DenseTrainerSettings {
  /** Widths from input to output: [dims, ...hidden, numClasses]. */
  widths: readonly number[];
  /** The largest batch a step gets. */
  batchSize: number;
  learningRate: number;
  /** weightDecay / 2: the objective's factor on Σθ². */
  decay: number;
  /**
   * The input features the training rows use (inputColumns.ts), when the first layer's products leave the others out:
   * step() then takes each batch with these columns only.
   */
  inputColumns?: Int32Array;
}

/** out[c] = Σ_r g[r, c], each column summed in row order (as tf.sum over axis 0 runs on wasm). */
function columnSums(g: Float32Array, rows: number, cols: number, out: Float32Array): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c] = f(out[c] + g[base + c]);
  }
}

export class DenseTrainer {
  /** [W0, b0, W1, b1, …] with W_l row-major [widths[l], widths[l+1]]; updated in place. */
  readonly weights: Float32Array[];
  private readonly widths: readonly number[];
  private readonly layers: number;
  private readonly adam: AdamArrays;
  private readonly decay: number;
  // Scratch per layer, sized for the largest batch and reused every step.
  /** Pre-activations z_l (hidden layers: bias added; the last: the logits). */
  private readonly z: Float32Array[];
  /** Activations h_l = relu(z_l) of the hidden layers. */
  private readonly h: Float32Array[];
  /** Each layer's input transposed, widths[l] × m. */
  private readonly inputT: Float32Array[];
  /** ∂objective/∂z_l. */
  private readonly dz: Float32Array[];
  private readonly grads: Float32Array[];
  private readonly wT: Float32Array[];
  private readonly exps: Float32Array;
  private readonly shift: Float32Array;
  private readonly sums: Float32Array;
  private readonly logs: Float32Array;
  /** Tensors of the step under way. */
  private readonly kept: tf.Tensor[] = [];
  /** The used input features (settings.inputColumns), with W₀'s rows for them and their gradient, packed. */
  private readonly usedInputs?: { columns: Int32Array; weights: Float32Array; gradient: Float32Array };

  constructor(initial: readonly Float32Array[], settings: DenseTrainerSettings) {
    const { widths, batchSize } = settings;
    this.widths = widths;
    this.layers = widths.length - 1;
    if (initial.length !== 2 * this.layers)
      throw new Error(`${initial.length} weight arrays for ${this.layers} layers`);
    initial.forEach((w, i) => {
      const l = i >> 1;
      const expected = i % 2 === 0 ? widths[l] * widths[l + 1] : widths[l + 1];
      if (w.length !== expected) throw new Error(`weight array ${i} has ${w.length} values, expected ${expected}`);
    });
    this.adam = AdamSimd.create(initial, settings) ?? new AdamFloat32(initial, settings);
    this.weights = this.adam.weights;
    this.grads = this.adam.gradients;
    this.decay = f(settings.decay);
    const out = widths.slice(1);
    this.z = out.map((w) => new Float32Array(batchSize * w));
    this.dz = out.map((w) => new Float32Array(batchSize * w));
    const hidden = widths.slice(1, -1);
    this.h = hidden.map((w) => new Float32Array(batchSize * w));
    this.inputT = widths.slice(0, -1).map((w) => new Float32Array(batchSize * w));
    this.wT = this.weights.filter((_, i) => i % 2 === 0 && i > 0).map((w) => new Float32Array(w.length));
    const classes = widths[this.layers];
    this.exps = new Float32Array(batchSize * classes);
    this.shift = new Float32Array(batchSize);
    this.sums = new Float32Array(batchSize);
    this.logs = new Float32Array(batchSize);
    const columns = settings.inputColumns;
    if (columns) {
      const packed = columns.length * widths[1];
      this.usedInputs = { columns, weights: new Float32Array(packed), gradient: new Float32Array(packed) };
    }
  }

  /** Width of layer l's input as the products see it: the used input features for the first layer. */
  private inputWidth(l: number): number {
    return l === 0 && this.usedInputs ? this.usedInputs.columns.length : this.widths[l];
  }

  /** W_l as the forward product takes it: for the first layer, only the used features' rows. */
  private productWeights(l: number): Float32Array {
    const w = this.weights[2 * l];
    const used = l === 0 ? this.usedInputs : undefined;
    if (!used) return w;
    gatherRowsInto(w, this.widths[1], used.columns, 0, used.columns.length, used.weights);
    return used.weights;
  }

  /**
   * One Adam step on a batch of m samples: x row-major [m, dims] (with inputColumns, [m, inputColumns.length]: those
   * features only), labels the class of each row. Returns the objective before the step (mean cross-entropy +
   * decay·Σθ²).
   */
  step(x: Float32Array, labels: Int32Array, m: number): number {
    const { widths, layers } = this;
    let ce: number;
    try {
      // Forward: z_l = h_{l−1}·W_l + b_l, h_l = relu(z_l); the last z is the logits.
      let input = this.upload(x, m, this.inputWidth(0));
      /** Each layer's input values, m × inputWidth(l). */
      const inputs = [x];
      for (let l = 0; l < layers; l++) {
        const cols = widths[l + 1];
        const w = this.upload(this.productWeights(l), this.inputWidth(l), cols);
        const z = this.read(tf.matMul(input, w), this.z[l]);
        const b = this.weights[2 * l + 1];
        for (let r = 0; r < m; r++) for (let c = 0, i = r * cols; c < cols; c++, i++) z[i] = f(z[i] + b[c]);
        if (l < layers - 1) {
          const h = this.h[l];
          for (let i = 0; i < m * cols; i++) h[i] = z[i] > 0 ? z[i] : 0;
          input = this.upload(h, m, cols);
          inputs.push(h);
        }
      }
      ce = this.lossGradient(labels, m);

      // Backward: ∂W_l = h_{l−1}ᵀ·∂z_l, ∂b_l = column sums of ∂z_l, ∂h_{l−1} = ∂z_l·W_lᵀ.
      // ∂W_l comes straight out of the product in W_l's layout, with ∂z_l (m × 128 for MNIST) the operand the backend
      // packs anew each step: packing the batch instead (m × 784, for (∂z_lᵀ·h_{l−1})ᵀ) and transposing the result
      // cost more than transposing the batch here.
      for (let l = layers - 1; l >= 0; l--) {
        const rows = this.inputWidth(l);
        const cols = widths[l + 1];
        const dz = this.upload(this.dz[l], m, cols);
        const inputT = this.upload(transpose(inputs[l], m, rows, this.inputT[l]), rows, m);
        if (l === 0 && this.usedInputs) {
          // The unused features' rows of the gradient stay zero (as the full product leaves them).
          this.read(tf.matMul(inputT, dz), this.usedInputs.gradient);
          scatterMatrixRows(this.usedInputs.gradient, cols, this.usedInputs.columns, this.grads[0]);
        } else this.read(tf.matMul(inputT, dz), this.grads[2 * l]);
        columnSums(this.dz[l], m, cols, this.grads[2 * l + 1]);
        if (l === 0) break;
        const wT = this.upload(transpose(this.weights[2 * l], rows, cols, this.wT[l - 1]), cols, rows);
        const dh = this.read(tf.matMul(dz, wT), this.dz[l - 1]);
        // ReLU's rule: ∂z = ∂h · step(z), with step(z) = 1 where z > 0, else 0.
        const z = this.z[l - 1];
        for (let i = 0; i < m * rows; i++) dh[i] = dh[i] * (z[i] > 0 ? 1 : 0);
      }
    } finally {
      for (const t of this.kept) t.dispose();
      this.kept.length = 0;
    }

    this.adam.beginStep();
    const squares = this.weights.map((_, k) => this.adam.update(k));
    this.adam.endStep();
    // tf.addN over the arrays' sums, in order.
    let norm = squares[0];
    for (let k = 1; k < squares.length; k++) norm = f(norm + squares[k]);
    return f(ce + f(this.decay * norm));
  }

  /** The first rows × cols values as a tensor, disposed at the end of the step. */
  private upload(values: Float32Array, rows: number, cols: number): tf.Tensor2D {
    const t = tf.tensor2d(values.subarray(0, rows * cols), [rows, cols]);
    this.kept.push(t);
    return t;
  }

  /** t's values into the start of out; t is disposed at the end of the step. */
  private read(t: tf.Tensor, out: Float32Array): Float32Array {
    this.kept.push(t);
    return readFloatsInto(t, out.subarray(0, t.size));
  }

  /**
   * Mean cross-entropy of the logits (this.z of the last layer) and its
   * gradient into this.dz of the last layer.
   */
  private lossGradient(labels: Int32Array, m: number): number {
    const classes = this.widths[this.layers];
    const logits = this.z[this.layers - 1];
    const { shift, exps, sums, logs } = this;
    // Shifted by the row maximum, exponentiated by the backend (its exp is not JavaScript's).
    for (let i = 0; i < m; i++) {
      let max = logits[i * classes];
      for (let k = 1; k < classes; k++) max = Math.max(max, logits[i * classes + k]);
      shift[i] = max;
      for (let k = 0; k < classes; k++) exps[i * classes + k] = f(logits[i * classes + k] - max);
    }
    this.read(tf.exp(this.upload(exps, m, classes)), exps);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let k = 0; k < classes; k++) s = f(s + exps[i * classes + k]);
      sums[i] = s;
    }
    this.read(tf.log(this.upload(sums, 1, m)), logs);
    const q = f(1 / m);
    const negQ = -q;
    const dz = this.dz[this.layers - 1];
    let total = 0;
    for (let i = 0; i < m; i++) {
      const label = labels[i];
      // Σ_k y_ik·z_ik with the one-hot y, term by term as tf.sum(tf.mul(y, z), 1) adds them (0·z is ±0).
      let dot = 0;
      for (let k = 0; k < classes; k++) dot = f(dot + f((k === label ? 1 : 0) * logits[i * classes + k]));
      total = f(total + f(f(logs[i] + shift[i]) - dot));
      const r = f(q / sums[i]);
      for (let k = 0; k < classes; k++) {
        const j = i * classes + k;
        dz[j] = f(f(r * exps[j]) + f(negQ * (k === label ? 1 : 0)));
      }
    }
    return f(total / m);
  }
}

/**
 * The BatchTrainer over a DenseTrainer: gathers each batch into a buffer
 * reused every step. `hidden` are the ReLU layers'
 * widths ([] for logistic regression).
 */
export function createDenseTrainer(
  initial: readonly NamedArray[],
  data: TrainingData,
  config: ModelConfig,
  hidden: readonly number[],
  batchSize: number,
  /** The task's rows of data.x (a cross-fitting fold's), whose used features are the first layer's. */
  rows?: Int32Array,
): BatchTrainer {
  const inputColumns = usedInputColumns(data.x, data.n, data.dims, rows);
  const trainer = new DenseTrainer(
    initial.map((a) => a.data),
    {
      widths: [data.dims, ...hidden, data.numClasses],
      batchSize,
      learningRate: config.learningRate,
      decay: config.weightDecay / 2,
      inputColumns,
    },
  );
  const inputs = taskRows(data, rows, inputColumns);
  const x = new Float32Array(batchSize * inputs.width);
  const labels = new Int32Array(batchSize);
  return {
    step(xOrder, order, start, end) {
      inputs.batch(xOrder, order, start, end, x);
      labelsInto(data.y, data.numClasses, order, start, end, labels);
      return trainer.step(x, labels, end - start);
    },
    values: () => trainer.weights.map((w) => Float32Array.from(w)),
    dispose: () => inputs.release(),
  };
}
