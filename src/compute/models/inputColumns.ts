/**
 * The input features a training task's rows use, for the dense trainer's first layer (denseTrainer.ts). A feature that
 * is zero in every training row (MNIST: ~113 of 784 border pixels) adds exactly nothing to x·W₀ and gets exactly zero
 * from xᵀ·∂z, so the first layer's two products can leave its column of x and its row of W₀ out and give the same
 * float32 values (the wasm product sums each entry over the shared dimension in order, and a 0·w term is ±0). Its
 * row of W₀ still moves every step: Adam applies the weight decay's gradient to it, from a zero data gradient.
 */
import { nonzeroColumns } from '../linalg/columnSubset';

/**
 * Fewest unused features, as a share of all, for which leaving them out pays: every step gathers W₀'s rows for the
 * used features and scatters their gradient back, and a task too large to pack (taskRows.ts) gathers each batch by
 * columns, each about what a product over 1/16 of the columns costs (0.1 ms per MNIST batch of 128).
 */
const WORTHWHILE_SHARE = 1 / 16;

/** The columns some row uses (in order) when enough are unused to pay, else undefined (the plain path). */
export function usedInputColumns(x: Float32Array, n: number, dims: number, rows?: Int32Array): Int32Array | undefined {
  const columns = nonzeroColumns([{ x, n, rows }], dims);
  return dims - columns.length >= WORTHWHILE_SHARE * dims ? columns : undefined;
}

/** The packed rows of `packed` (width `cols`) back into rows `rows` of `out`; out's other rows are left as they are. */
export function scatterMatrixRows(packed: Float32Array, cols: number, rows: Int32Array, out: Float32Array): void {
  for (let r = 0; r < rows.length; r++) out.set(packed.subarray(r * cols, (r + 1) * cols), rows[r] * cols);
}
