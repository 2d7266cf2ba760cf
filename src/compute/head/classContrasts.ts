/**
 * The softmax head in class-contrast coordinates. Every per-sample gradient g_i = φ̃_i ⊗ (p_i − e_{y_i}) sums to zero
 * over the classes, and every sample's Hessian block A_i = diag(p_i) − p_ip_iᵀ annihilates the all-ones vector, while
 * the regulariser (l2/2)·‖W‖² and the damping are isotropic. With an orthogonal C × C matrix Q = [Q′, 1/√C], the damped
 * Hessian in the basis I_D ⊗ Q is therefore block diagonal, blockdiag(H′, (l2 + δ)·I_D), with
 *   H′ = Σ_i φ̃_iφ̃_iᵀ ⊗ A′_i + (l2 + δ)·I,  A′_i = Q′ᵀA_iQ′,
 * of size P′ = D·(C − 1): exact influence, self-influence and every solve need only H′ (a factor ((C−1)/C)³ of the
 * Cholesky's work, (C−1)/(C+1) of the Hessian's formation).
 *
 * Q is the Householder reflector that swaps e_{C−1} and 1/√C (u = e_{C−1} − 1/√C), so Q′ᵀx and Q′y cost O(C) and every
 * entry of A′_i is O(1): with s = 1/√C and β = s²/(1 − s), column a < C − 1 of Q′ is e_a − β·Σ_{k<C−1} e_k + s·e_{C−1},
 * hence
 *   (Q′ᵀx)_a = x_a − β·Σ_{k<C−1} x_k + s·x_{C−1}
 *   (Q′y)_k  = y_k − β·Σy (k < C − 1),  s·Σy (k = C − 1)
 *   A′_ab    = p_aδ_ab − β(p_a + p_b) + γ − q_aq_b,  γ = β²·Σ_{k<C−1} p_k + s²·p_{C−1},  q = Q′ᵀp.
 * A reduced parameter vector is laid out like the head's (softmaxHead.ts), j·(C − 1) + a.
 */
/** A HeadShape (softmaxHead.ts imports this file through hessianClassRows.ts: spelled out, so they do not loop). */
interface HeadShape {
  featureDim: number;
  numClasses: number;
}

/** A HeadData (softmaxHead.ts). */
interface HeadData {
  phi: Float32Array;
  y: Int32Array;
  n: number;
}

/** s = 1/√C and β = s²/(1 − s) of the reflector (see the top). */
function reflector(c: number): { s: number; beta: number } {
  const s = 1 / Math.sqrt(c);
  return { s, beta: (s * s) / (1 - s) };
}

/** P′ = D·(C − 1): the parameters of the head's Hessian in contrast coordinates. */
export function contrastParameterCount(shape: HeadShape): number {
  return (shape.featureDim + 1) * (shape.numClasses - 1);
}

/** out[outAt + a] = (Q′ᵀx)_a for x = x[at … at + C), a < C − 1. */
export function toContrasts(x: ArrayLike<number>, at: number, c: number, out: Float64Array, outAt: number): void {
  const { s, beta } = reflector(c);
  let head = 0;
  for (let k = 0; k < c - 1; k++) head += x[at + k];
  const shift = s * x[at + c - 1] - beta * head;
  for (let a = 0; a < c - 1; a++) out[outAt + a] = x[at + a] + shift;
}

/** out[outAt + k] = (Q′y)_k for y = y[at … at + C − 1), k < C. */
export function fromContrasts(y: ArrayLike<number>, at: number, c: number, out: Float64Array, outAt: number): void {
  const { s, beta } = reflector(c);
  let sum = 0;
  for (let a = 0; a < c - 1; a++) sum += y[at + a];
  for (let k = 0; k < c - 1; k++) out[outAt + k] = y[at + k] - beta * sum;
  out[outAt + c - 1] = s * sum;
}

/** (I_D ⊗ Q′ᵀ)·v: a head vector (length D·C) in contrast coordinates (length D·(C − 1)); its class sums dropped. */
export function projectHeadVector(v: ArrayLike<number>, shape: HeadShape): Float64Array {
  const c = shape.numClasses;
  const d = shape.featureDim + 1;
  const out = new Float64Array(d * (c - 1));
  for (let j = 0; j < d; j++) toContrasts(v, j * c, c, out, j * (c - 1));
  return out;
}

/** (I_D ⊗ Q′)·y: a vector in contrast coordinates as a head vector, every class sum zero. */
export function expandHeadVector(y: ArrayLike<number>, shape: HeadShape): Float64Array {
  const c = shape.numClasses;
  const d = shape.featureDim + 1;
  const out = new Float64Array(d * c);
  for (let j = 0; j < d; j++) fromContrasts(y, j * (c - 1), c, out, j * c);
  return out;
}

/**
 * H⁻¹v for a head vector v from a solve in contrast coordinates: (I ⊗ Q′)·solve((I ⊗ Q′ᵀ)v) plus v's class-sum part
 * divided by `classSumCurvature` (l2 + δ, H's eigenvalue there). Without curvature there (no regulariser, no damping)
 * H is singular along the class sums, on which no loss depends: the part is dropped (the minimum-norm solution).
 */
export function solveThroughContrasts(
  v: ArrayLike<number>,
  shape: HeadShape,
  classSumCurvature: number,
  solve: (reduced: Float64Array) => Float64Array,
): Float64Array {
  const c = shape.numClasses;
  const d = shape.featureDim + 1;
  const out = expandHeadVector(solve(projectHeadVector(v, shape)), shape);
  if (classSumCurvature > 0) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < c; k++) sum += v[j * c + k];
      const part = sum / c / classSumCurvature;
      for (let k = 0; k < c; k++) out[j * c + k] += part;
    }
  }
  return out;
}

/**
 * What the weights of A′_i need per sample: q_i = Q′ᵀp_i (n × (C − 1)) and γ_i (see the top), and the constant β.
 * A′_ab of sample i is contrastWeight(rows, probs, i, a, b).
 */
export interface ContrastRows {
  q: Float64Array;
  gamma: Float64Array;
  beta: number;
  numClasses: number;
}

export function contrastRows(probs: Float64Array, n: number, c: number): ContrastRows {
  const { s, beta } = reflector(c);
  const q = new Float64Array(n * (c - 1));
  const gamma = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    toContrasts(probs, i * c, c, q, i * (c - 1));
    let head = 0;
    for (let k = 0; k < c - 1; k++) head += probs[i * c + k];
    gamma[i] = beta * beta * head + s * s * probs[i * c + c - 1];
  }
  return { q, gamma, beta, numClasses: c };
}

/** A′_ab of sample i = (Q′ᵀ(diag p_i − p_ip_iᵀ)Q′)_ab. */
export function contrastWeight(rows: ContrastRows, probs: Float64Array, i: number, a: number, b: number): number {
  const c = rows.numClasses;
  const pa = probs[i * c + a];
  const pb = probs[i * c + b];
  const m = c - 1;
  return (a === b ? pa : 0) - rows.beta * (pa + pb) + rows.gamma[i] - rows.q[i * m + a] * rows.q[i * m + b];
}

/**
 * Per-sample gradients in contrast coordinates, transposed: column r of the P′ × (end − start) result `out` is
 * g′_{start+r} = φ̃ ⊗ Q′ᵀ(p − e_y), in the layout the whitening multiplies from the left (linalg/triangularSolve.ts).
 * Exact influence needs only these: vᵀH⁻¹g_i = (Q′ᵀv)ᵀH′⁻¹g′_i, as g_i has no class-sum part.
 */
export function contrastGradientsTransposed(
  data: HeadData,
  shape: HeadShape,
  probs: Float64Array,
  start: number,
  end: number,
  out: Float32Array,
): void {
  const { featureDim: f, numClasses: c } = shape;
  const m = c - 1;
  const rows = end - start;
  const full = new Float64Array(c);
  const residual = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    const i = start + r;
    for (let k = 0; k < c; k++) full[k] = probs[i * c + k];
    full[data.y[i]] -= 1;
    toContrasts(full, 0, c, residual, r * m);
  }
  writeGradientsTransposed(data, f, start, rows, residual, m, out);
}

/**
 * out (width·D × rows) = φ̃ ⊗ residual, transposed: row j·width + k, column r is φ̃_{start+r, j}·residual[r·width + k]
 * (φ̃ with the bias last). One feature at a time: `width` rows of `out` stream together.
 */
function writeGradientsTransposed(
  data: HeadData,
  f: number,
  start: number,
  rows: number,
  residual: Float64Array,
  width: number,
  out: Float32Array,
): void {
  for (let j = 0; j <= f; j++) {
    const base = j * width * rows;
    for (let r = 0; r < rows; r++) {
      const v = j === f ? 1 : data.phi[(start + r) * f + j];
      for (let k = 0; k < width; k++) out[base + k * rows + r] = v * residual[r * width + k];
    }
  }
}
