/** What the training loop (train.ts) needs from a way of taking Adam steps. */
export interface BatchTrainer {
  /**
   * One step on samples order[start..end), whose features are rows
   * xOrder[start..end) of the data's x. Returns the objective before the step.
   */
  step(xOrder: Int32Array, order: Int32Array, start: number, end: number): number;
  /** Copies of the weights in the network's order: [...body, head kernel, head bias]. */
  values(): Float32Array[];
  dispose(): void;
}
