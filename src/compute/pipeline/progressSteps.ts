/**
 * The loaders count every image or row block (10,000 calls for 10k MNIST), and each progress report of a run in a
 * worker thread is a message to the host: one in 200 steps of the total moves the bar as smoothly at a fiftieth of
 * the messages (they cost ~0.4 s of the 10k-MNIST load stage).
 */
export const PROGRESS_STEPS = 200;

/** `report` for the calls of `onProgress` that reach a new 1/PROGRESS_STEPS of their total, or the end. */
export function inSteps(report: (done: number, total: number) => void): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    const step = total > 0 ? Math.floor((done * PROGRESS_STEPS) / total) : -1;
    if (step === shown && done < total) return;
    shown = step;
    report(done, total);
  };
}
