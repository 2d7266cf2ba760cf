// Preloaded into the CLI subprocesses the benchmark starts (NODE_OPTIONS=--require):
// at exit, writes the process's own CPU time and peak RSS (all threads, i.e.
// the training workers too) to the file named by INFLUENCE_LENS_BENCH_RUSAGE,
// and the main thread's peak `external` memory, sampled every 100 ms: the
// tfjs wasm heap is a WebAssembly.Memory, which Node counts there (and not
// in arrayBuffers), so this is the main thread's wasm heap plus its Buffers.
// It changes nothing else in the process (the timer is unref'd).
'use strict';
const { isMainThread } = require('node:worker_threads');
const fs = require('node:fs');

const file = process.env.INFLUENCE_LENS_BENCH_RUSAGE;
if (isMainThread && file) {
  let maxExternal = 0;
  const sample = () => {
    maxExternal = Math.max(maxExternal, process.memoryUsage().external);
  };
  setInterval(sample, 100).unref();
  process.on('exit', () => {
    sample();
    const u = process.resourceUsage();
    try {
      fs.writeFileSync(
        file,
        JSON.stringify({
          userSeconds: u.userCPUTime / 1e6,
          systemSeconds: u.systemCPUTime / 1e6,
          maxRssKB: u.maxRSS,
          maxExternalBytes: maxExternal,
        }),
      );
    } catch {
      // The harness reports missing figures as unknown.
    }
  });
}
