/** Command-line flags of `npm run bench -- …`. */
import path from 'node:path';

export const SECTIONS = ['e2e', 'detection', 'kernels', 'scaling', 'onnx', 'issues', 'solvers', 'targets'] as const;
export type SectionName = (typeof SECTIONS)[number];

const ALIASES: Record<string, SectionName> = {
  e2e: 'e2e',
  endtoend: 'e2e',
  'end-to-end': 'e2e',
  mnist: 'e2e',
  speed: 'e2e',
  detection: 'detection',
  mislabel: 'detection',
  mislabels: 'detection',
  kernels: 'kernels',
  kernel: 'kernels',
  throughput: 'kernels',
  scaling: 'scaling',
  memory: 'scaling',
  onnx: 'onnx',
  issues: 'issues',
  duplicates: 'issues',
  outliers: 'issues',
  solvers: 'solvers',
  solver: 'solvers',
  iterative: 'solvers',
  targets: 'targets',
  target: 'targets',
};

export interface BenchArgs {
  quick: boolean;
  only: SectionName | null;
  /** Repetitions per timed configuration (default 3, or 1 with --quick). */
  runs: number;
  outDir: string;
  keepTemp: boolean;
  /** Re-render REPORT.md and the plots from <outDir>/latest.json without measuring. */
  renderOnly: boolean;
  /** Keep the sections of <outDir>/latest.json that this run does not measure (with --only). */
  merge: boolean;
  /**
   * detection: only these public datasets (bench/data/publicSets.ts ids), and MNIST/Iris only if 'mnist-iris' is
   * among them; null = the plan's.
   * With --memory-shapes: only these shapes (memoryShapes.ts ids).
   */
  sets: string[] | null;
  /** scaling: only the memory-shapes rows, beside the sweeps of <outDir>/latest.json (--only scaling --merge). */
  memoryShapes: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--only e2e|detection|kernels|scaling|onnx|issues|solvers|targets] [--runs n] [--out dir] [--keep-temp]

  --quick       a subset that finishes in a few minutes (1 run each); the report says so
  --only <s>    run one section: e2e (MNIST end to end), detection (mislabel ranking), kernels (GFLOP/s), scaling (time and memory vs N and P), onnx (your own model: embedding throughput),
                issues (duplicates, leakage, outliers, harmful samples), solvers (cg/lissa/gif batched),
                targets (issue 18's speed targets: many classes, head P = 5000, digits logreg against numpy)
  --runs <n>    repetitions per timed configuration (default 3; 1 with --quick)
  --out <dir>   where REPORT.md, latest.json and the plots go (default bench/results, or bench/results/quick with --quick)
  --keep-temp   keep the generated datasets and results files (their folder is printed)
  --render-only re-render REPORT.md and the plots from <out>/latest.json, measuring nothing
  --sets <ids>  detection: only these public datasets (comma-separated: wine,cancer,digits,cars,weather,fortunes,fashion),
                skipping MNIST and Iris unless mnist-iris is named too (for iterating on the ranking); with
                --merge the part not run is kept from <out>/latest.json; with --memory-shapes: only these shapes
                (huge-cell-csv,huge-cell-jsonl,long-jsonl,wide-csv,huge-mlp), keeping the other saved rows; with
                --only targets: only these workloads (head-p5000,classes-26,classes-200,digits-mlp-lissa,
                digits-mlp-gif,mnist-mlp,mnist-logreg-exact,digits-logreg), with --merge keeping the others
  --memory-shapes  only the scaling section's peak memory on hard input shapes (full size unless --quick), keeping
                the N and P sweeps of <out>/latest.json; implies --only scaling --merge
  --merge       with --only: keep the other sections of <out>/latest.json (an earlier run of the same mode),
                so sections can be measured at different times (e.g. the timing sections on a quiet machine)`;

export function parseArgs(argv: string[]): BenchArgs {
  let quick = false;
  let only: SectionName | null = null;
  let runs: number | undefined;
  let outDir: string | undefined;
  let keepTemp = false;
  let renderOnly = false;
  let merge = false;
  let sets: string[] | null = null;
  let memoryShapes = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--keep-temp') keepTemp = true;
    else if (arg === '--render-only') renderOnly = true;
    else if (arg === '--merge') merge = true;
    else if (arg === '--memory-shapes') memoryShapes = true;
    else if (arg === '--sets') sets = value().split(',').filter(Boolean);
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const name = (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : value()).toLowerCase();
      only = ALIASES[name] ?? null;
      if (!only) throw new UsageError(`unknown section '${name}'; expected one of ${SECTIONS.join(', ')}`);
    } else if (arg === '--runs') {
      runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) throw new UsageError('--runs needs a positive integer');
    } else if (arg === '--out') outDir = path.resolve(value());
    else if (arg === '--help' || arg === '-h') throw new UsageError('');
    else throw new UsageError(`unknown argument '${arg}'`);
  }
  // A quick run never overwrites the committed full report: it goes to results/quick/ (git-ignored).
  outDir ??= path.resolve(__dirname, '..', 'results', ...(quick ? ['quick'] : []));
  if (memoryShapes) {
    if (only !== null && only !== 'scaling') throw new UsageError(`--memory-shapes is part of scaling, not ${only}`);
    only = 'scaling';
    merge = true;
  }
  return { quick, only, runs: runs ?? (quick ? 1 : 3), outDir, keepTemp, renderOnly, merge, sets, memoryShapes };
}

export class UsageError extends Error {}
