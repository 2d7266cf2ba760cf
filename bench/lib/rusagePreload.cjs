// Preloaded into the CLI subprocesses the benchmark starts (NODE_OPTIONS=--require):
// at exit, writes the process's own CPU time and peak RSS (all threads, i.e.
// the training workers too) to the file named by INFLUENCE_LENS_BENCH_RUSAGE.
// It changes nothing else in the process.
'use strict';
const { isMainThread } = require('node:worker_threads');
const fs = require('node:fs');

const file = process.env.INFLUENCE_LENS_BENCH_RUSAGE;
if (isMainThread && file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    try {
      fs.writeFileSync(file, JSON.stringify({ userSeconds: u.userCPUTime / 1e6, systemSeconds: u.systemCPUTime / 1e6, maxRssKB: u.maxRSS }));
    } catch {
      // The harness reports missing figures as unknown.
    }
  });
}
