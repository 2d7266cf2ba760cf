/**
 * Lower-triangular matrices stored packed by rows: row i holds columns 0..i and starts at i(i+1)/2, so a P × P
 * triangle takes P(P+1)/2 entries instead of P² (exact influence's L⁻¹: half the memory of the square array, whose
 * upper half is zeros).
 */

/** Offset of row i in the packed layout. */
export function packedRowStart(i: number): number {
  return (i * (i + 1)) / 2;
}

export function packedLength(p: number): number {
  return packedRowStart(p);
}

/** The lower triangle of the row-major p × p `m`, packed, as float32 (entries above the diagonal are dropped). */
export function packLower(m: ArrayLike<number>, p: number): Float32Array {
  const out = new Float32Array(packedLength(p));
  for (let i = 0; i < p; i++) {
    const from = i * p;
    const to = packedRowStart(i);
    for (let j = 0; j <= i; j++) out[to + j] = m[from + j];
  }
  return out;
}

/** The row-major p × p matrix of a packed lower triangle, zeros above the diagonal. */
export function unpackLower(packed: ArrayLike<number>, p: number): Float64Array {
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    const from = packedRowStart(i);
    const to = i * p;
    for (let j = 0; j <= i; j++) out[to + j] = packed[from + j];
  }
  return out;
}
