/**
 * Choosing the parameter subset J for generalized influence (Lyu et al.
 * 2023): the neurons most tied to the samples being examined, scored by
 * |activation| or |gradient| summed over those samples, with each chosen
 * neuron contributing all its incoming weights and its bias.
 */

export interface NeuronSelectionOptions {
  /** Fraction of neurons to keep, in (0, 1]. Default 0.05 (GIF works with 5–10 %). */
  fraction?: number;
  /** Keep at least this many neurons (when there are that many). Default 1. */
  minNeurons?: number;
  /**
   * Beyond the `fraction` floor, keep adding neurons (best first) until the
   * kept ones hold at least this share of the total score, in [0, 1].
   * Default 0: the fraction alone decides. With squared-gradient scores this
   * is the share of ‖g‖² whose parameters are allowed to move: a neuron the
   * examined sample's loss depends on strongly is never left frozen just
   * because the fraction ran out (on a 10-class linear model 10 % is one
   * class row, while the loss depends on the true and the predicted row).
   */
  coverage?: number;
}

/**
 * J, sorted ascending and without duplicates, from the top `fraction` of
 * neurons by score (ties: lower neuron index first, so the choice is
 * deterministic). Scores that are NaN count as −∞.
 *
 * @param scores one non-negative number per neuron; larger = more tied to the examined samples
 * @param neuronParameters for each neuron, the indices (into the full parameter vector) of its parameters
 */
export function selectNeuronParameters(
  scores: ArrayLike<number>,
  neuronParameters: readonly ArrayLike<number>[],
  options: NeuronSelectionOptions = {},
): Int32Array {
  const count = scores.length;
  if (neuronParameters.length !== count) throw new Error(`${count} scores for ${neuronParameters.length} neurons`);
  const fraction = options.fraction ?? 0.05;
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`fraction must be in (0, 1], got ${fraction}`);
  const coverage = options.coverage ?? 0;
  if (!(coverage >= 0 && coverage <= 1)) throw new Error(`coverage must be in [0, 1], got ${coverage}`);
  const key = (i: number) => (Number.isNaN(scores[i]) ? -Infinity : scores[i]);
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => key(b) - key(a) || a - b);
  let keep = Math.min(count, Math.max(options.minNeurons ?? 1, Math.ceil(fraction * count)));
  if (coverage > 0) {
    let total = 0;
    for (let i = 0; i < count; i++) if (key(i) > 0) total += key(i);
    let held = 0;
    for (let k = 0; k < keep; k++) held += Math.max(0, key(order[k]));
    while (keep < count && held < coverage * total) held += Math.max(0, key(order[keep++]));
  }
  const chosen = new Set<number>();
  for (const neuron of order.slice(0, keep))
    for (const index of Array.from(neuronParameters[neuron])) chosen.add(index);
  return Int32Array.from([...chosen].sort((a, b) => a - b));
}

/**
 * Parameter indices of each output unit of a layer whose kernel has the
 * units on its LAST axis (dense [in, units]; conv [kh, kw, cin, units], both
 * row-major as tfjs stores them): unit u owns kernel entries r·units + u for
 * every r, plus bias entry u.
 *
 * @param kernelOffset index of the kernel's first entry in the flat parameter vector
 * @param kernelSize number of kernel entries (in·units, or kh·kw·cin·units)
 * @param biasOffset index of the bias's first entry, or −1 for a layer without bias
 */
export function lastAxisNeuronParameters(
  kernelOffset: number,
  kernelSize: number,
  units: number,
  biasOffset: number,
): Int32Array[] {
  if (kernelSize % units !== 0) throw new Error(`kernel of ${kernelSize} entries does not split into ${units} units`);
  const fanIn = kernelSize / units;
  return Array.from({ length: units }, (_, u) => {
    const indices = new Int32Array(fanIn + (biasOffset >= 0 ? 1 : 0));
    for (let r = 0; r < fanIn; r++) indices[r] = kernelOffset + r * units + u;
    if (biasOffset >= 0) indices[fanIn] = biasOffset + u;
    return indices;
  });
}

/** Σ of squares of `values` at each neuron's parameter indices: a neuron's share of ‖g‖². */
export function squaredNormPerNeuron(
  values: ArrayLike<number>,
  neuronParameters: readonly ArrayLike<number>[],
): Float64Array {
  return Float64Array.from(neuronParameters, (params) => {
    let s = 0;
    for (let k = 0; k < params.length; k++) s += values[params[k]] ** 2;
    return s;
  });
}

/** Σ over rows of |value| per column: neuron scores from an n × units matrix of activations or gradients. */
export function sumAbsoluteColumns(values: ArrayLike<number>, rows: number, units: number): Float64Array {
  const scores = new Float64Array(units);
  for (let i = 0; i < rows; i++) for (let u = 0; u < units; u++) scores[u] += Math.abs(values[i * units + u]);
  return scores;
}
