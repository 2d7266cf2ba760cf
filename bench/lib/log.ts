/** Progress lines on stderr, stamped with the time since the benchmark started. */
const started = performance.now();

export function log(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(7);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}

/** Seconds since the benchmark process started measuring. */
export function elapsedSeconds(): number {
  return (performance.now() - started) / 1000;
}
