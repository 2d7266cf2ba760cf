/**
 * Float64 products in 4×4 register tiles, the kernels of the blocked float64 factorisation (blockedCholesky.ts) and
 * of the float64 triangular inverse (triangularInverse.ts): each loaded double feeds four multiply-adds, where the
 * unblocked loops load two per one.
 */

/**
 * out[4r + c] −= Σ_{kFrom ≤ k < kTo} x[xBase + r·xRow + k]·y[yBase + c·yColumn + k·yStep] for r, c < 4, the terms
 * subtracted one by one in k order (the unblocked loops' exact operations), each loaded double feeding four
 * multiply-adds.
 */
export function subtractTile(
  x: Float64Array,
  xBase: number,
  xRow: number,
  y: Float64Array,
  yBase: number,
  yColumn: number,
  yStep: number,
  kFrom: number,
  kTo: number,
  out: Float64Array,
): void {
  const x0r = xBase;
  const x1r = x0r + xRow;
  const x2r = x1r + xRow;
  const x3r = x2r + xRow;
  const y0c = yBase;
  const y1c = y0c + yColumn;
  const y2c = y1c + yColumn;
  const y3c = y2c + yColumn;
  let c00 = out[0],
    c01 = out[1],
    c02 = out[2],
    c03 = out[3];
  let c10 = out[4],
    c11 = out[5],
    c12 = out[6],
    c13 = out[7];
  let c20 = out[8],
    c21 = out[9],
    c22 = out[10],
    c23 = out[11];
  let c30 = out[12],
    c31 = out[13],
    c32 = out[14],
    c33 = out[15];
  for (let k = kFrom; k < kTo; k++) {
    const x0 = x[x0r + k],
      x1 = x[x1r + k],
      x2 = x[x2r + k],
      x3 = x[x3r + k];
    const yk = k * yStep;
    const y0 = y[y0c + yk],
      y1 = y[y1c + yk],
      y2 = y[y2c + yk],
      y3 = y[y3c + yk];
    c00 -= x0 * y0;
    c01 -= x0 * y1;
    c02 -= x0 * y2;
    c03 -= x0 * y3;
    c10 -= x1 * y0;
    c11 -= x1 * y1;
    c12 -= x1 * y2;
    c13 -= x1 * y3;
    c20 -= x2 * y0;
    c21 -= x2 * y1;
    c22 -= x2 * y2;
    c23 -= x2 * y3;
    c30 -= x3 * y0;
    c31 -= x3 * y1;
    c32 -= x3 * y2;
    c33 -= x3 * y3;
  }
  out[0] = c00;
  out[1] = c01;
  out[2] = c02;
  out[3] = c03;
  out[4] = c10;
  out[5] = c11;
  out[6] = c12;
  out[7] = c13;
  out[8] = c20;
  out[9] = c21;
  out[10] = c22;
  out[11] = c23;
  out[12] = c30;
  out[13] = c31;
  out[14] = c32;
  out[15] = c33;
}

/**
 * C[rowOff+i, colOff+j] −= Σ_l P[i,l]·Q[j,l] for i < pm, j < qm (j ≤ i when `lower`),
 * C row-major with stride n, P and Q packed with stride kb. 4×4 register tiles: each
 * loaded double feeds four multiply-adds (the unblocked loops load two per one).
 */
export function subtractProductNT(
  c: Float64Array,
  n: number,
  rowOff: number,
  colOff: number,
  p: Float64Array,
  pm: number,
  q: Float64Array,
  qm: number,
  kb: number,
  lower: boolean,
): void {
  const pm4 = pm - (pm % 4);
  const qm4 = qm - (qm % 4);
  for (let i = 0; i < pm4; i += 4) {
    const pi0 = i * kb;
    const pi1 = pi0 + kb;
    const pi2 = pi1 + kb;
    const pi3 = pi2 + kb;
    const jEnd = lower ? Math.min(i + 4, qm4) : qm4;
    for (let j = 0; j < jEnd; j += 4) {
      const pj0 = j * kb;
      const pj1 = pj0 + kb;
      const pj2 = pj1 + kb;
      const pj3 = pj2 + kb;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let l = 0; l < kb; l++) {
        const a0 = p[pi0 + l],
          a1 = p[pi1 + l],
          a2 = p[pi2 + l],
          a3 = p[pi3 + l];
        const b0 = q[pj0 + l],
          b1 = q[pj1 + l],
          b2 = q[pj2 + l],
          b3 = q[pj3 + l];
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }
      const g0 = (rowOff + i) * n + colOff + j;
      const g1 = g0 + n;
      const g2 = g1 + n;
      const g3 = g2 + n;
      // In a lower update the diagonal tile's entries above the diagonal are written too; callers ignore or zero them.
      c[g0] -= c00;
      c[g0 + 1] -= c01;
      c[g0 + 2] -= c02;
      c[g0 + 3] -= c03;
      c[g1] -= c10;
      c[g1 + 1] -= c11;
      c[g1 + 2] -= c12;
      c[g1 + 3] -= c13;
      c[g2] -= c20;
      c[g2 + 1] -= c21;
      c[g2 + 2] -= c22;
      c[g2 + 3] -= c23;
      c[g3] -= c30;
      c[g3 + 1] -= c31;
      c[g3 + 2] -= c32;
      c[g3 + 3] -= c33;
    }
    // Columns left over by the 4-wide tiles (j from qm4), scalar.
    for (let r = i; r < i + 4; r++) {
      const jLast = lower ? Math.min(r, qm - 1) : qm - 1;
      for (let j = Math.max(qm4, lower ? jEnd : qm4); j <= jLast; j++)
        scalarEntry(c, n, rowOff, colOff, p, q, kb, r, j);
    }
  }
  // Rows left over (from pm4), scalar.
  for (let i = pm4; i < pm; i++) {
    const jLast = lower ? Math.min(i, qm - 1) : qm - 1;
    for (let j = 0; j <= jLast; j++) scalarEntry(c, n, rowOff, colOff, p, q, kb, i, j);
  }
}

function scalarEntry(
  c: Float64Array,
  n: number,
  rowOff: number,
  colOff: number,
  p: Float64Array,
  q: Float64Array,
  kb: number,
  i: number,
  j: number,
): void {
  let s = 0;
  const pi = i * kb;
  const qj = j * kb;
  for (let l = 0; l < kb; l++) s += p[pi + l] * q[qj + l];
  c[(rowOff + i) * n + colOff + j] -= s;
}
