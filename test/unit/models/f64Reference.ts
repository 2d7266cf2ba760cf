/**
 * Float64 reference implementations for the model tests, independent of
 * tfjs: a tiny scalar reverse-mode autodiff (each node has ≤ 2 parents; the
 * creation order is a topological order) and the networks written on it.
 * Hessian-vector references are central finite differences of the float64
 * gradient — float32 finite differences would be useless here.
 */

export class Tape {
  readonly value: number[] = [];
  private readonly parentA: number[] = [];
  private readonly derivA: number[] = [];
  private readonly parentB: number[] = [];
  private readonly derivB: number[] = [];

  private node(v: number, a = -1, da = 0, b = -1, db = 0): number {
    this.value.push(v);
    this.parentA.push(a);
    this.derivA.push(da);
    this.parentB.push(b);
    this.derivB.push(db);
    return this.value.length - 1;
  }

  leaf(v: number): number {
    return this.node(v);
  }
  add(a: number, b: number): number {
    return this.node(this.value[a] + this.value[b], a, 1, b, 1);
  }
  sub(a: number, b: number): number {
    return this.node(this.value[a] - this.value[b], a, 1, b, -1);
  }
  mul(a: number, b: number): number {
    return this.node(this.value[a] * this.value[b], a, this.value[b], b, this.value[a]);
  }
  /** a · constant */
  scale(a: number, c: number): number {
    return this.node(this.value[a] * c, a, c);
  }
  exp(a: number): number {
    const e = Math.exp(this.value[a]);
    return this.node(e, a, e);
  }
  log(a: number): number {
    return this.node(Math.log(this.value[a]), a, 1 / this.value[a]);
  }
  relu(a: number): number {
    const v = this.value[a];
    return this.node(v > 0 ? v : 0, a, v > 0 ? 1 : 0);
  }
  tanh(a: number): number {
    const t = Math.tanh(this.value[a]);
    return this.node(t, a, 1 - t * t);
  }
  sigmoid(a: number): number {
    const s = 1 / (1 + Math.exp(-this.value[a]));
    return this.node(s, a, s * (1 - s));
  }
  max(a: number, b: number): number {
    return this.value[a] >= this.value[b] ? this.node(this.value[a], a, 1) : this.node(this.value[b], b, 1);
  }
  sum(items: number[]): number {
    let acc = items[0];
    for (let i = 1; i < items.length; i++) acc = this.add(acc, items[i]);
    return acc;
  }
  /** ∂out/∂node for every node. */
  backward(out: number): Float64Array {
    const g = new Float64Array(this.value.length);
    g[out] = 1;
    for (let i = out; i >= 0; i--) {
      if (g[i] === 0) continue;
      if (this.parentA[i] >= 0) g[this.parentA[i]] += g[i] * this.derivA[i];
      if (this.parentB[i] >= 0) g[this.parentB[i]] += g[i] * this.derivB[i];
    }
    return g;
  }
}

export type RefActivation = 'relu' | 'tanh' | 'sigmoid';

/** Architecture of a reference network; mirrors src/compute/models. */
export type RefArch =
  | { kind: 'mlp'; dims: number; hidden: number[]; activation: RefActivation; numClasses: number }
  | { kind: 'cnn'; image: [number, number, number]; conv: number[]; dense: number; numClasses: number };

/** Flat parameter blocks in the engine's layout: body (forward order), head W, head b. */
export function refLayout(arch: RefArch): { name: string; shape: number[] }[] {
  const blocks: { name: string; shape: number[] }[] = [];
  let width: number;
  if (arch.kind === 'mlp') {
    width = arch.dims;
    arch.hidden.forEach((h, k) => {
      blocks.push({ name: `dense${k}.kernel`, shape: [width, h] }, { name: `dense${k}.bias`, shape: [h] });
      width = h;
    });
  } else {
    let [h, w, c] = arch.image;
    arch.conv.forEach((co, k) => {
      blocks.push({ name: `conv${k}.kernel`, shape: [3, 3, c, co] }, { name: `conv${k}.bias`, shape: [co] });
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
      c = co;
    });
    blocks.push({ name: 'dense.kernel', shape: [h * w * c, arch.dense] }, { name: 'dense.bias', shape: [arch.dense] });
    width = arch.dense;
  }
  blocks.push(
    { name: 'head.kernel', shape: [width, arch.numClasses] },
    { name: 'head.bias', shape: [arch.numClasses] },
  );
  return blocks;
}

function act(t: Tape, a: number, kind: RefActivation): number {
  return kind === 'relu' ? t.relu(a) : kind === 'tanh' ? t.tanh(a) : t.sigmoid(a);
}

/** out_j = b_j + Σ_i in_i·W[i][j] (W row-major in × out at `w`). */
function denseRef(t: Tape, input: number[], theta: number[], w: number, b: number, out: number): number[] {
  const res: number[] = [];
  for (let j = 0; j < out; j++) {
    const terms = input.map((x, i) => t.mul(x, theta[w + i * out + j]));
    res.push(t.add(t.sum(terms), theta[b + j]));
  }
  return res;
}

/** φ(x) as tape nodes for one sample, given parameter nodes `theta` in layout order. */
function featuresRef(t: Tape, arch: RefArch, theta: number[], x: ArrayLike<number>): number[] {
  const blocks = refLayout(arch);
  const offsets: number[] = [];
  let off = 0;
  for (const b of blocks) {
    offsets.push(off);
    off += b.shape.reduce((p, q) => p * q, 1);
  }
  if (arch.kind === 'mlp') {
    let h = Array.from(x, (v) => t.leaf(v));
    arch.hidden.forEach((width, k) => {
      h = denseRef(t, h, theta, offsets[2 * k], offsets[2 * k + 1], width).map((z) => act(t, z, arch.activation));
    });
    return h;
  }
  let [H, W, C] = arch.image;
  // maps[(i*W + j)*C + c]
  let maps = Array.from(x, (v) => t.leaf(v));
  arch.conv.forEach((co, k) => {
    const kOff = offsets[2 * k];
    const bOff = offsets[2 * k + 1];
    const conv: number[] = new Array(H * W * co);
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        for (let o = 0; o < co; o++) {
          const terms: number[] = [];
          for (let di = 0; di < 3; di++) {
            for (let dj = 0; dj < 3; dj++) {
              const ii = i + di - 1;
              const jj = j + dj - 1;
              if (ii < 0 || jj < 0 || ii >= H || jj >= W) continue;
              for (let c = 0; c < C; c++) {
                terms.push(t.mul(maps[(ii * W + jj) * C + c], theta[kOff + ((di * 3 + dj) * C + c) * co + o]));
              }
            }
          }
          conv[(i * W + j) * co + o] = t.relu(t.add(t.sum(terms), theta[bOff + o]));
        }
      }
    }
    const H2 = Math.floor(H / 2);
    const W2 = Math.floor(W / 2);
    const pooled: number[] = new Array(H2 * W2 * co);
    for (let i = 0; i < H2; i++) {
      for (let j = 0; j < W2; j++) {
        for (let o = 0; o < co; o++) {
          const at = (a: number, b: number) => conv[(a * W + b) * co + o];
          pooled[(i * W2 + j) * co + o] = t.max(
            t.max(at(2 * i, 2 * j), at(2 * i, 2 * j + 1)),
            t.max(at(2 * i + 1, 2 * j), at(2 * i + 1, 2 * j + 1)),
          );
        }
      }
    }
    maps = pooled;
    H = H2;
    W = W2;
    C = co;
  });
  const last = 2 * arch.conv.length;
  return denseRef(t, maps, theta, offsets[last], offsets[last + 1], arch.dense).map((z) => t.relu(z));
}

export interface RefData {
  x: Float32Array;
  y: Int32Array;
  n: number;
  dims: number;
}

/**
 * R(θ) = Σ_i CE_i + (l2/2)‖θ‖² and its gradient, in float64.
 * Also returns per-sample losses, φ and probabilities.
 */
export function refObjective(arch: RefArch, thetaValues: ArrayLike<number>, data: RefData, l2: number) {
  const t = new Tape();
  const theta = Array.from(thetaValues, (v) => t.leaf(v));
  const blocks = refLayout(arch);
  const numClasses = arch.numClasses;
  const headB = theta.length - numClasses;
  const headW = headB - blocks[blocks.length - 2].shape[0] * numClasses;
  const losses: number[] = [];
  const features: number[][] = [];
  const probs: number[][] = [];
  for (let i = 0; i < data.n; i++) {
    const phi = featuresRef(t, arch, theta, data.x.subarray(i * data.dims, (i + 1) * data.dims));
    features.push(phi.map((p) => t.value[p]));
    const logits = denseRef(t, phi, theta, headW, headB, numClasses);
    const m = Math.max(...logits.map((z) => t.value[z]));
    const lse = t.add(t.log(t.sum(logits.map((z) => t.exp(t.add(z, t.leaf(-m)))))), t.leaf(m));
    probs.push(logits.map((z) => Math.exp(t.value[z] - t.value[lse])));
    losses.push(t.sub(lse, logits[data.y[i]]));
  }
  const reg = t.scale(t.sum(theta.map((p) => t.mul(p, p))), l2 / 2);
  const total = t.add(t.sum(losses), reg);
  const g = t.backward(total);
  return {
    value: t.value[total],
    gradient: Float64Array.from(theta, (p) => g[p]),
    losses: losses.map((l) => t.value[l]),
    features,
    probs,
  };
}

/** (∇R(θ + εv) − ∇R(θ − εv)) / 2ε in float64. */
export function refHvp(
  arch: RefArch,
  theta: ArrayLike<number>,
  v: ArrayLike<number>,
  data: RefData,
  l2: number,
  eps = 1e-5,
): Float64Array {
  const plus = Float64Array.from(theta, (p, i) => p + eps * v[i]);
  const minus = Float64Array.from(theta, (p, i) => p - eps * v[i]);
  const gp = refObjective(arch, plus, data, l2).gradient;
  const gm = refObjective(arch, minus, data, l2).gradient;
  return gp.map((a, i) => (a - gm[i]) / (2 * eps));
}

export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num += (actual[i] - expected[i]) ** 2;
    den += expected[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}
