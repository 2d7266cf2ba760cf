/**
 * Independent float64 references for the frozen-feature tests: the softmax
 * head fitted by plain Newton's method on the summed objective, and exact
 * influence g_tᵀ H⁻¹ g_i by Gaussian elimination — no engine code.
 */
import { gaussSolve } from '../../helpers/synthetic';

export interface Problem {
  phi: ArrayLike<number>;
  y: ArrayLike<number>;
  n: number;
  f: number;
  c: number;
}

function probs(w: Float64Array, x: number[], c: number): number[] {
  const f = x.length;
  const logits = Array.from({ length: c }, (_, k) => {
    let s = w[f * c + k];
    for (let j = 0; j < f; j++) s += x[j] * w[j * c + k];
    return s;
  });
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

const row = (p: Problem, i: number) => Array.from({ length: p.f }, (_, j) => p.phi[i * p.f + j]);

/** Per-sample gradient of CE over the (F+1)×C head, layout j·C + k. */
export function sampleGradient(w: Float64Array, x: number[], y: number, c: number): Float64Array {
  const p = probs(w, x, c);
  const xt = [...x, 1];
  const g = new Float64Array(xt.length * c);
  for (let j = 0; j < xt.length; j++) for (let k = 0; k < c; k++) g[j * c + k] = xt[j] * (p[k] - (k === y ? 1 : 0));
  return g;
}

function hessian(w: Float64Array, p: Problem, l2: number): Float64Array {
  const d = p.f + 1;
  const size = d * p.c;
  const h = new Float64Array(size * size);
  for (let i = 0; i < p.n; i++) {
    const x = [...row(p, i), 1];
    const pr = probs(w, row(p, i), p.c);
    for (let a = 0; a < d; a++)
      for (let k = 0; k < p.c; k++)
        for (let b = 0; b < d; b++)
          for (let l = 0; l < p.c; l++) {
            h[(a * p.c + k) * size + b * p.c + l] += x[a] * x[b] * ((k === l ? pr[k] : 0) - pr[k] * pr[l]);
          }
  }
  for (let q = 0; q < size; q++) h[q * size + q] += l2;
  return h;
}

/** argmin Σ CE + (l2/2)‖W‖² by Newton's method from zero. */
export function newtonHead(p: Problem, l2: number): Float64Array {
  const size = (p.f + 1) * p.c;
  const w = new Float64Array(size);
  for (let it = 0; it < 50; it++) {
    const g = new Float64Array(size);
    for (let i = 0; i < p.n; i++) sampleGradient(w, row(p, i), p.y[i], p.c).forEach((v, q) => (g[q] += v));
    for (let q = 0; q < size; q++) g[q] += l2 * w[q];
    const step = gaussSolve(hessian(w, p, l2), size, g);
    for (let q = 0; q < size; q++) w[q] -= step[q];
    if (Math.hypot(...g) < 1e-12 * p.n) break;
  }
  return w;
}

/** infl(i, t) = g_tᵀ H⁻¹ g_i for every training i, at the reference optimum. */
export function referenceInfluence(train: Problem, testX: number[], testY: number, l2: number): Float64Array {
  const w = newtonHead(train, l2);
  const size = (train.f + 1) * train.c;
  const v = gaussSolve(hessian(w, train, l2), size, sampleGradient(w, testX, testY, train.c));
  return Float64Array.from({ length: train.n }, (_, i) => {
    const g = sampleGradient(w, row(train, i), train.y[i], train.c);
    let s = 0;
    for (let q = 0; q < size; q++) s += g[q] * v[q];
    return s;
  });
}
