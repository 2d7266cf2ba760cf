/**
 * Hessian-vector products and per-sample directional derivatives of a dense
 * ReLU network for MANY vectors at once, over one range of training rows:
 * the part of a product one thread computes (batchedNetwork.ts adds the
 * ranges up and the regulariser; a worker thread runs this same code on its
 * range, parallel/productHelper.ts).
 *
 * tfjs's double backprop gives one H·v per second-order reverse pass, and its
 * graph for a small network is dominated by elementwise kernels, not matMuls
 * (measured, CPU time, digits-size MLP 64-128-10 on 1,438 samples: 47 ms per
 * single HVP; stacking B parameter copies into one double-backprop graph only
 * reached 28 ms per vector at B = 50). So for a chain of dense layers the
 * product is written out (Pearlmutter's R-operator): with z_l = a_{l−1}W_l + b_l,
 * a_l = relu(z_l), logits z_L, δ_L = p − y, δ_{l−1} = (δ_l W_lᵀ) ⊙ m_{l−1}
 * (m = relu′, whose own derivative is 0, as in autodiff), a direction
 * (V_l, c_l) gives
 *
 *   Rz_l = Ra_{l−1}W_l + a_{l−1}V_l + c_l,   Ra_l = m_l ⊙ Rz_l,
 *   Rδ_L = p ⊙ Rz_L − p (p · Rz_L),
 *   Rδ_{l−1} = (Rδ_l W_lᵀ + δ_l V_lᵀ) ⊙ m_{l−1},
 *   (H·v)_{W_l} = Ra_{l−1}ᵀδ_l + a_{l−1}ᵀRδ_l,   (H·v)_{b_l} = Σ_i Rδ_l.
 *
 * For B directions every term is ONE 2-D matMul with the directions side by
 * side (a_{l−1}·[V_l¹ … V_lᴮ], [Ra¹; …; Raᴮ]·W_l, …), activations laid out
 * [samples, B, width]. The directional derivatives g_i·x of every training
 * sample are the forward half alone: δ_L,i · Rz_L,i.
 */
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../cancel';
import { gatherRows, identityOrder, oneHotRows } from '../models/batches';
import { bodyOf, networkTensors } from '../models/network';
import type { TrainedNetwork, TrainingData } from '../models/types';

/** The products over training rows [start, end) of one network. */
export interface RowProducts {
  readonly numParams: number;
  /** Σ_{i in range} H_i·v_b for every v_b (the loss part only: no regulariser). */
  hvpSum(vs: readonly Float64Array[]): Float64Array[];
  /** (∇ℓ_i · x_b) for every row i of the range, one array (of the range's length) per x_b. */
  dots(xs: readonly Float64Array[]): Float64Array[];
  dispose(): void;
}

/**
 * Rows per pass are sized for this many directions, whatever the call's count: the same rows then give every
 * direction the same float32 sums whether it is solved alone or in a batch (a resumed solve equals a fresh one).
 */
const SIZED_FOR = 64;
/** Elements of one [m, SIZED_FOR, width] tensor (16 MB of float32). */
const ACTIVATION_BUDGET = 1 << 22;
/** Multiply-adds of one layer's products per pass (≈ 0.1 s): a cancel is seen between passes. */
const WORK_BUDGET = 1 << 28;

interface DenseLayer {
  /** Index of the kernel [in, out] in the parameter list; the bias is the next one. */
  kernel: number;
  fanIn: number;
  width: number;
}

/** True for the bodies written out here: a chain of dense ReLU layers (the product's MLP, logistic regression). */
export function isDenseChain(net: TrainedNetwork): boolean {
  const kind = net.config.kind;
  // The product's MLP body is ReLU throughout (models/mlp.ts, as createBody builds it).
  if (kind !== 'mlp' && kind !== 'logreg') return false;
  const shapes = bodyOf(net).shapes;
  for (let k = 0; k < shapes.length; k += 2) {
    if (!shapes[k].name.endsWith('kernel') || !shapes[k + 1]?.name.endsWith('bias')) return false;
  }
  return true;
}

/**
 * Layer l's kernels of every direction side by side with their biases as a last row, [in + 1, B·out] (the inputs
 * get a column of ones: the bias is in the matMul, not a broadcast add over [m, B, out]), and the kernels'
 * transposes [out, B·in].
 */
interface SideBySide {
  wide: tf.Tensor2D;
  wideT: tf.Tensor2D;
}

/**
 * The products over rows [start, end) of `data` (a dense chain only, see isDenseChain). `signal` is checked
 * between passes over blocks of rows.
 */
export function createRowProducts(
  net: TrainedNetwork,
  data: TrainingData,
  start: number,
  end: number,
  signal?: AbortSignal,
): RowProducts {
  if (!isDenseChain(net)) throw new Error(`a ${net.config.kind} body is not a chain of dense layers`);
  if (!(start >= 0 && start <= end && end <= data.n)) throw new Error(`rows ${start}..${end} outside 0..${data.n}`);
  const params = networkTensors(net);
  const layers: DenseLayer[] = [];
  for (let k = 0; k < params.length; k += 2) {
    const [fanIn, width] = params[k].shape;
    layers.push({ kernel: k, fanIn, width });
  }
  const sizes = params.map((p) => p.size);
  const offsets: number[] = [];
  let numParams = 0;
  for (const s of sizes) {
    offsets.push(numParams);
    numParams += s;
  }
  // Explicit transposes: a matMul with a transpose flag is several times slower on wasm (tf/fastMatMulGradient.ts).
  const kernelsT = layers.map((l) => tf.transpose(params[l.kernel]) as tf.Tensor2D);
  const widest = Math.max(...layers.map((l) => l.width), ...layers.slice(1).map((l) => l.fanIn));
  const macsPerRow = layers.reduce((sum, l) => sum + l.fanIn * l.width, 0) * SIZED_FOR;
  const rowsPerPass = Math.max(
    8,
    Math.min(data.n, Math.floor(ACTIVATION_BUDGET / (SIZED_FOR * widest)), Math.floor(WORK_BUDGET / macsPerRow)),
  );
  const order = identityOrder(data.n);
  const numClasses = data.numClasses;
  let disposed = false;

  function sideBySide(vs: readonly Float64Array[], l: number): SideBySide {
    const { kernel, fanIn, width } = layers[l];
    const count = vs.length;
    const wide = new Float32Array((fanIn + 1) * count * width);
    const wideT = new Float32Array(width * count * fanIn);
    vs.forEach((v, b) => {
      if (v.length !== numParams) throw new Error(`vector has ${v.length} entries, the network ${numParams}`);
      const o = offsets[kernel];
      for (let i = 0; i < fanIn; i++)
        for (let j = 0; j < width; j++) {
          const value = v[o + i * width + j];
          wide[(i * count + b) * width + j] = value;
          wideT[(j * count + b) * fanIn + i] = value;
        }
      const ob = offsets[kernel + 1];
      for (let j = 0; j < width; j++) wide[(fanIn * count + b) * width + j] = v[ob + j];
    });
    return {
      wide: tf.tensor2d(wide, [fanIn + 1, count * width]),
      wideT: tf.tensor2d(wideT, [width, count * fanIn]),
    };
  }

  /**
   * The forward pass of a block of rows: every layer's input a_{l−1} [m, in], the same with a column of ones
   * [m, in + 1], and ReLU mask [m, 1, out].
   */
  function forward(x: tf.Tensor2D, y: tf.Tensor2D) {
    const inputs: tf.Tensor2D[] = [];
    const withOnes: tf.Tensor2D[] = [];
    const masks: tf.Tensor3D[] = [];
    let a = x;
    let logits: tf.Tensor2D | undefined;
    const column = tf.ones([x.shape[0], 1]);
    layers.forEach((layer, l) => {
      inputs.push(a);
      withOnes.push(tf.concat([a, column], 1) as tf.Tensor2D);
      const z = tf.add(tf.matMul(a, params[layer.kernel] as tf.Tensor2D), params[layer.kernel + 1]) as tf.Tensor2D;
      if (l < layers.length - 1) {
        const m = tf.cast(tf.greater(z, 0), 'float32') as tf.Tensor2D;
        masks.push(tf.expandDims(m, 1) as tf.Tensor3D);
        a = tf.mul(z, m);
      } else logits = z;
    });
    const p = tf.softmax(logits as tf.Tensor2D);
    return { inputs, withOnes, masks, p, delta: tf.sub(p, y) as tf.Tensor2D };
  }

  /** Rz of every layer for B directions, [m, B, out] each, and Ra_{l−1} (undefined for the input layer). */
  function rForward(
    withOnes: tf.Tensor2D[],
    masks: tf.Tensor3D[],
    dirs: SideBySide[],
    count: number,
  ): { rz: tf.Tensor3D[]; ra: (tf.Tensor3D | undefined)[] } {
    const m = withOnes[0].shape[0];
    const rz: tf.Tensor3D[] = [];
    const ra: (tf.Tensor3D | undefined)[] = [undefined];
    layers.forEach((layer, l) => {
      let z = tf.reshape(tf.matMul(withOnes[l], dirs[l].wide), [m, count, layer.width]) as tf.Tensor3D;
      const prev = ra[l];
      if (prev) {
        const carried = tf.matMul(
          tf.reshape(prev, [m * count, layer.fanIn]) as tf.Tensor2D,
          params[layer.kernel] as tf.Tensor2D,
        );
        z = tf.add(z, tf.reshape(carried, [m, count, layer.width]));
      }
      rz.push(z);
      if (l < layers.length - 1) ra.push(tf.mul(z, masks[l]) as tf.Tensor3D);
    });
    return { rz, ra };
  }

  /** A [1, m] row of ones (kept: every pass but a range's last has the same m). */
  let onesRow: tf.Tensor2D | undefined;
  function ones(m: number): tf.Tensor2D {
    if (onesRow?.shape[1] === m) return onesRow;
    onesRow?.dispose();
    const row = tf.keep(tf.ones([1, m]) as tf.Tensor2D);
    onesRow = row;
    return row;
  }

  /** H·v of a block's rows for every direction: one gradient tensor per parameter tensor, [B, …its shape]. */
  function blockHvp(x: tf.Tensor2D, y: tf.Tensor2D, dirs: SideBySide[], count: number): tf.Tensor[] {
    const m = x.shape[0];
    const { inputs, withOnes, masks, p, delta } = forward(x, y);
    const { rz, ra } = rForward(withOnes, masks, dirs, count);
    const last = layers.length - 1;
    const p3 = tf.expandDims(p, 1);
    const rzL = rz[last];
    // Rδ_L = p ⊙ Rz_L − p (p · Rz_L), per sample and direction.
    let rDelta: tf.Tensor = tf.sub(tf.mul(p3, rzL), tf.mul(p3, tf.sum(tf.mul(p3, rzL), 2, true)));
    let d = delta;
    const grads: tf.Tensor[] = new Array(params.length);
    for (let l = last; l >= 0; l--) {
      const { fanIn, width, kernel } = layers[l];
      // a_{l−1}ᵀ·Rδ_l for every direction at once: [in, m]·[m, B·out] → [in, B, out] → [B, in, out].
      const aT = tf.transpose(inputs[l]) as tf.Tensor2D;
      let gW = tf.transpose(
        tf.reshape(tf.matMul(aT, tf.reshape(rDelta, [m, count * width]) as tf.Tensor2D), [fanIn, count, width]),
        [1, 0, 2],
      );
      const prev = ra[l];
      if (prev) {
        // Ra_{l−1}ᵀ·δ_l as (δ_lᵀ·Ra_{l−1})ᵀ: [out, m]·[m, B·in] → [out, B, in] → [B, in, out]. Transposing the
        // small δ_l and product rather than Ra_{l−1} [m, B·in], a transpose as costly as the matMuls.
        const dRa = tf.matMul(tf.transpose(d) as tf.Tensor2D, tf.reshape(prev, [m, count * fanIn]) as tf.Tensor2D);
        gW = tf.add(gW, tf.transpose(tf.reshape(dRa, [width, count, fanIn]), [1, 2, 0]));
      }
      grads[kernel] = gW;
      // Σ_i Rδ_l as a [1, m]·[m, B·out] matMul: a sum over the first axis would transpose Rδ_l first.
      grads[kernel + 1] = tf.matMul(ones(m), tf.reshape(rDelta, [m, count * width]) as tf.Tensor2D);
      if (l === 0) break;
      // Rδ_{l−1} = (Rδ_l W_lᵀ + δ_l V_lᵀ) ⊙ m_{l−1}.
      const carried = tf.reshape(tf.matMul(tf.reshape(rDelta, [m * count, width]) as tf.Tensor2D, kernelsT[l]), [
        m,
        count,
        fanIn,
      ]);
      const own = tf.reshape(tf.matMul(d, dirs[l].wideT), [m, count, fanIn]);
      rDelta = tf.mul(tf.add(carried, own), masks[l - 1]);
      d = tf.mul(tf.matMul(d, kernelsT[l]), tf.squeeze(masks[l - 1], [1])) as tf.Tensor2D;
    }
    return grads;
  }

  /** ∇ℓ_i·x_b = δ_L,i · Rz_L,i for a block's rows: [m, B]. */
  function blockDots(x: tf.Tensor2D, y: tf.Tensor2D, dirs: SideBySide[], count: number): tf.Tensor {
    const { withOnes, masks, delta } = forward(x, y);
    const { rz } = rForward(withOnes, masks, dirs, count);
    return tf.sum(tf.mul(tf.expandDims(delta, 1), rz[rz.length - 1]), 2);
  }

  /**
   * The pass over the range shared by both products: the directions side by side once, then block after block of
   * rows (a cancel is seen between blocks: a pass for many vectors can take seconds), `compute` in a tidy scope and
   * its tensors handed to `use` with the block's first row (relative to the range) and disposed.
   */
  function eachBlock<T extends tf.Tensor | tf.Tensor[]>(
    vs: readonly Float64Array[],
    compute: (x: tf.Tensor2D, y: tf.Tensor2D, dirs: SideBySide[], count: number) => T,
    use: (result: T, first: number) => void,
  ): void {
    if (disposed) throw new Error('the batched network was disposed');
    if (vs.length === 0) return;
    const dirs = layers.map((_, l) => sideBySide(vs, l));
    try {
      for (let from = start; from < end; from += rowsPerPass) {
        throwIfAborted(signal);
        const to = Math.min(end, from + rowsPerPass);
        const result = tf.tidy(() => {
          const x = tf.tensor2d(gatherRows(data.x, data.dims, order, from, to), [to - from, data.dims]);
          const y = tf.tensor2d(oneHotRows(data.y, numClasses, order, from, to), [to - from, numClasses]);
          return compute(x, y, dirs, vs.length);
        });
        try {
          use(result, from - start);
        } finally {
          tf.dispose(result);
        }
      }
    } finally {
      for (const dir of dirs) tf.dispose([dir.wide, dir.wideT]);
    }
  }

  return {
    numParams,
    hvpSum(vs) {
      const out = vs.map(() => new Float64Array(numParams));
      const count = vs.length;
      eachBlock(vs, blockHvp, (parts) =>
        parts.forEach((t, k) => {
          const values = t.dataSync();
          const o = offsets[k];
          for (let b = 0; b < count; b++) {
            const acc = out[b];
            const base = b * sizes[k];
            for (let j = 0; j < sizes[k]; j++) acc[o + j] += values[base + j];
          }
        }),
      );
      return out;
    },
    dots(xs) {
      const out = xs.map(() => new Float64Array(end - start));
      const count = xs.length;
      eachBlock(xs, blockDots, (result, first) => {
        const values = result.dataSync();
        const m = values.length / count;
        for (let r = 0; r < m; r++) for (let b = 0; b < count; b++) out[b][first + r] = values[r * count + b];
      });
      return out;
    },
    dispose() {
      if (!disposed) tf.dispose([...params, ...kernelsT, ...(onesRow ? [onesRow] : [])]);
      disposed = true;
    },
  };
}
