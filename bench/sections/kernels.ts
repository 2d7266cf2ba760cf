/**
 * Section 3 — kernel throughput, all in this process on the engine's own
 * backend: the wasm matMul peak (1000×1000), then the heavy kernels of exact
 * influence on inputs shaped like the 10k-MNIST MLP head (n = 8,000 train,
 * 2,000 test, F = 128 features, C = 10 classes → P = 1,290), each as achieved
 * GFLOP/s and as a share of that peak measured minutes apart in the same run.
 * Inputs are synthetic (seeded): these kernels' cost depends on shapes, not values.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createFastHeadHvp } from '../../src/compute/head/fastHeadObjective';
import {
  type HeadData,
  type HeadShape,
  headContrastHessian,
  headHessian,
  headHessianMacs,
  headParameterCount,
  perSampleGradients,
} from '../../src/compute/head/softmaxHead';
import { computeExactHeadInfluence } from '../../src/compute/influence/exactHeadInfluence';
import { contrastParameterCount } from '../../src/compute/head/classContrasts';
import { TopKTracker } from '../../src/compute/influence/topK';
import { choleskyBlocked64, choleskyMixed } from '../../src/compute/linalg/blockedCholesky';
import { choleskyInPlace, invertLowerTriangular } from '../../src/compute/linalg/cholesky';
import { packedFactorDeviation } from '../../src/compute/linalg/factorChecks';
import { provisionalDampedCholesky } from '../../src/compute/linalg/fastFactor';
import { matMul } from '../../src/compute/linalg/matmul';
import { invertLowerBlocked, invertLowerPacked } from '../../src/compute/linalg/triangularInverse';
import { PackedLowerProduct } from '../../src/compute/linalg/triangularProduct';
import { LowerSolve, SOLVE_BLOCK } from '../../src/compute/linalg/triangularSolve';
import { defaultThreads, withSplitProducts } from '../../src/compute/parallel/matrixHelper';
import { createRng, normal } from '../../src/compute/random';
import { initBackend } from '../../src/compute/tf/backend';
import { machineBusySeconds, otherLoadCores } from '../lib/cpuLoad';
import { log } from '../lib/log';
import { median, type Summary, summarize } from '../lib/stats';

export interface KernelRow {
  name: string;
  /** What was multiplied / factored, in words. */
  shape: string;
  flops: number;
  flopsFormula: string;
  seconds: Summary;
  /** flops / median seconds / 1e9. */
  gflops: number;
  /**
   * The matMul peak measured right around this kernel: median of 5 reference
   * calls just before and 5 just after, so both see the same load.
   */
  referenceGflops: number;
  /** gflops / referenceGflops. */
  ofPeak: number;
  note?: string;
}

export interface KernelSection {
  backend: string;
  backendWarning?: string;
  /** The brief's figure: median of 5 calls (after 2 warm-up calls) at the start of the section. */
  peakGflops: number;
  /**
   * Median over every reference call of the section (5 before and 5 after each kernel): steadier under bursts of load.
   */
  sectionPeakGflops: number;
  /** The fastest single call of the section: closest to an idle core. */
  peakBestGflops: number;
  referenceCalls: number;
  /** Cores other processes kept busy during this section (machine-wide /proc/stat minus this process). */
  otherLoadCores: number | null;
  rows: KernelRow[];
  shape: { nTrain: number; nTest: number; featureDim: number; numClasses: number; parameters: number };
}

const SHAPE = { nTrain: 8000, nTest: 2000, featureDim: 128, numClasses: 10 };

export async function runKernels(options: { quick: boolean; runs: number }): Promise<KernelSection> {
  const busyBefore = machineBusySeconds();
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const backend = await initBackend();
  log(`kernels: tfjs backend '${backend.name}'${backend.warning ? ` (${backend.warning})` : ''}`);
  const bigRuns = Math.max(options.runs, 1);

  // The reference: 1000×1000 matMul with operands on the backend, result read back (wasm runs synchronously).
  const n = 1000;
  const peakFlops = 2 * n ** 3;
  const rng = createRng(1);
  const a = tf.tensor2d(randomArray(n * n, rng), [n, n]);
  const b = tf.tensor2d(randomArray(n * n, rng), [n, n]);
  const peakCall = () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  const referenceCalls: number[] = [];
  const reference = (): number[] => {
    const seconds = timedRaw(peakCall, 5, 0);
    referenceCalls.push(...seconds);
    return seconds;
  };

  const rows: KernelRow[] = [];
  const kernel = (
    spec: { name: string; shape: string; flops: number; flopsFormula: string; note?: string },
    fn: () => unknown,
    runs: number,
    warmup: number,
  ): void => {
    if (warmup > 0) timedRaw(fn, warmup, 0);
    const before = reference();
    const seconds = summarize(timedRaw(fn, runs, 0));
    const after = reference();
    const referenceGflops = peakFlops / median([...before, ...after]) / 1e9;
    const gflops = spec.flops > 0 ? spec.flops / seconds.median / 1e9 : NaN;
    rows.push({ ...spec, seconds, gflops, referenceGflops, ofPeak: gflops / referenceGflops });
    log(
      `kernels: ${spec.name}: ${seconds.median.toFixed(3)} s` +
        (spec.flops > 0
          ? ` → ${gflops.toFixed(2)} GFLOP/s, ` +
            `${((100 * gflops) / referenceGflops).toFixed(0)}% of the matMul peak ` +
            `around it (${referenceGflops.toFixed(1)})`
          : ''),
    );
  };

  // 1. The peak itself (the brief's figure: median of 5 after warm-up).
  timedRaw(peakCall, 2, 0);
  const peakSeconds = summarize(reference());
  const peak = peakFlops / peakSeconds.median / 1e9;
  rows.push({
    name: 'matMul peak (tf.matMul)',
    shape: '1000×1000 · 1000×1000, float32',
    flops: peakFlops,
    flopsFormula: '2·n³',
    seconds: peakSeconds,
    gflops: peak,
    referenceGflops: peak,
    ofPeak: 1,
    note: 'median of 5 calls after 2 warm-up calls',
  });
  log(`kernels: matMul peak: ${peakSeconds.median.toFixed(3)} s → ${peak.toFixed(2)} GFLOP/s`);
  const aHost = a.dataSync() as Float32Array;
  const bHost = b.dataSync() as Float32Array;
  kernel(
    {
      name: 'matMul with host copies (linalg/matmul.ts)',
      shape: '1000×1000 · 1000×1000, Float32Array in and out',
      flops: peakFlops,
      flopsFormula: '2·n³',
      note: 'what the engine calls: upload, multiply, read back',
    },
    () => matMul(aHost, n, n, bHost, n),
    5,
    1,
  );

  // 2. headHessian on a head shaped like the 10k-MNIST MLP.
  const shape: HeadShape = { featureDim: SHAPE.featureDim, numClasses: SHAPE.numClasses };
  const p = headParameterCount(shape);
  const d = SHAPE.featureDim + 1;
  const c = SHAPE.numClasses;
  const train = syntheticHead(SHAPE.nTrain, shape, createRng(2));
  const test = syntheticHead(SHAPE.nTest, shape, createRng(3));
  const trainProbs = syntheticProbs(SHAPE.nTrain, c, createRng(4));
  const testProbs = syntheticProbs(SHAPE.nTest, c, createRng(5));
  const l2 = SHAPE.nTrain * 1e-3;
  let hessian: Float64Array = new Float64Array(0);
  kernel(
    {
      name: 'headHessian (head/softmaxHead.ts)',
      shape: `n=${SHAPE.nTrain}, D=${d}, C=${c} → ${p}×${p} Float64`,
      flops: ((c * (c + 1)) / 2) * 2 * SHAPE.nTrain * d * d,
      flopsFormula: 'C(C+1)/2 · 2·n·D²',
      note: 'C(C+1)/2 float32 matMuls on the backend, scattered into a Float64 P×P matrix',
    },
    () => {
      hessian = headHessian(train, shape, trainProbs, l2);
    },
    bigRuns,
    options.quick ? 0 : 1,
  );

  // 3. Float64 Cholesky of that Hessian (on a fresh copy each run; the copy is part of the timed call, ~2 ms).
  let factor: Float64Array = new Float64Array(0);
  kernel(
    {
      name: 'Cholesky, Float64 JS (linalg/cholesky.ts)',
      shape: `P=${p}`,
      flops: p ** 3 / 3,
      flopsFormula: 'P³/3',
      note: 'plain JS loops, one thread',
    },
    () => {
      const work = Float64Array.from(hessian);
      if (!choleskyInPlace(work, p)) throw new Error('synthetic Hessian is not positive definite');
      factor = work;
    },
    bigRuns,
    0,
  );
  kernel(
    {
      name: 'invertLowerTriangular, Float64 JS',
      shape: `P=${p}`,
      flops: p ** 3 / 3,
      flopsFormula: 'P³/3',
      note: 'runs inside the influence stage',
    },
    () => invertLowerTriangular(factor, p),
    bigRuns,
    0,
  );

  // 3b. The kernels of the iterative solvers and of TracIn/self-influence: one head Hessian-vector
  // product (what every CG/LiSSA step costs) and the per-sample gradients of a block of samples.
  const hvp = createFastHeadHvp(train, shape, trainProbs, l2);
  const v = Float64Array.from(randomArray(p, createRng(8)));
  kernel(
    {
      name: 'head HVP, one CG/LiSSA step (head/fastHeadObjective.ts)',
      shape: `n=${SHAPE.nTrain}, D=${d}, C=${c}`,
      flops: 2 * 2 * SHAPE.nTrain * d * c,
      flopsFormula: '2 · 2·n·D·C',
      note: 'two float32 matMuls (Φ·V, then Φᵀ·(…)) on the backend',
    },
    () => void hvp.hvp(v),
    10,
    2,
  );
  hvp.dispose();
  const perSample = new Float32Array(2048 * p);
  kernel(
    {
      name: 'per-sample gradients, 2048 samples (head/softmaxHead.ts)',
      shape: `2048 × P=${p}`,
      flops: 2048 * d * c,
      flopsFormula: 'b·D·C',
      note: 'outer products (p − y)⊗φ in JS: memory-bound, one multiply per output',
    },
    () => perSampleGradients(train, shape, trainProbs, 0, 2048, perSample),
    5,
    1,
  );

  // 4. The pieces of the influence stage, then the whole of computeExactHeadInfluence.
  const block = 2048;
  const g = randomArray(block * p, createRng(6));
  const lt = randomArray(p * p, createRng(7));
  kernel(
    {
      name: 'influence: whitening matMul (one block)',
      shape: `${block}×${p} · ${p}×${p}`,
      flops: 2 * block * p * p,
      flopsFormula: '2·b·P²',
    },
    () => matMul(g, block, p, lt, p),
    3,
    1,
  );
  const wTest = randomArray(SHAPE.nTest * p, createRng(8));
  const wBlockT = randomArray(p * block, createRng(9));
  kernel(
    {
      name: 'influence: test × train-block scores matMul',
      shape: `${SHAPE.nTest}×${p} · ${p}×${block}`,
      flops: 2 * SHAPE.nTest * p * block,
      flopsFormula: '2·nTest·P·b',
    },
    () => matMul(wTest, SHAPE.nTest, p, wBlockT, block),
    3,
    1,
  );
  const scores = randomArray(SHAPE.nTest * block, createRng(10));
  kernel(
    {
      name: 'influence: top-k offers (JS, one block)',
      shape: `${SHAPE.nTest}×${block} scores, k=10`,
      flops: 0,
      flopsFormula: '—',
      note: 'no flops; see offers/s',
    },
    () => {
      const tracker = new TopKTracker(SHAPE.nTest, 10);
      for (let t = 0; t < SHAPE.nTest; t++)
        for (let r = 0; r < block; r++) tracker.offer(t, r, scores[t * block + r] - 0.5);
    },
    3,
    1,
  );
  const topK = rows[rows.length - 1];
  topK.note =
    `${((SHAPE.nTest * block) / topK.seconds.median / 1e6).toFixed(0)} M ` +
    `offers/s; no flops (one offer() per value: before issue 18)`;
  kernel(
    {
      name: 'influence: top-k threshold scan (offerRow, one block)',
      shape: `${SHAPE.nTest}×${block} scores, k=10`,
      flops: 0,
      flopsFormula: '—',
    },
    () => {
      const tracker = new TopKTracker(SHAPE.nTest, 10);
      const shifted = scores.map((x) => x - 0.5);
      for (let t = 0; t < SHAPE.nTest; t++) tracker.offerRow(t, 0, shifted, t * block, block);
    },
    3,
    1,
  );
  const scan = rows[rows.length - 1];
  scan.note =
    `${((SHAPE.nTest * block) / scan.seconds.median / 1e6).toFixed(0)} M ` +
    `offers/s (includes one pass shifting the scores); same output as offer()`;

  // Exact influence factors the Hessian in class-contrast coordinates (head/classContrasts.ts), P′ = D·(C − 1).
  const pc = contrastParameterCount(shape);
  const contrastFactor = Float64Array.from(headContrastHessian(train, shape, trainProbs, l2));
  if (!choleskyInPlace(contrastFactor, pc)) throw new Error('synthetic Hessian is not positive definite');
  const headFactor = { lower: contrastFactor, size: pc, shape, classSumCurvature: l2 };
  const influenceFlops = 2 * (SHAPE.nTrain + SHAPE.nTest) * pc * pc + 2 * SHAPE.nTest * SHAPE.nTrain * pc;
  kernel(
    {
      name: 'computeExactHeadInfluence (whole, synthetic)',
      shape: `nTrain=${SHAPE.nTrain}, nTest=${SHAPE.nTest}, P=${p} (P′=${pc}), top-10`,
      flops: influenceFlops,
      flopsFormula: '2·(nTrain+nTest)·P′² + 2·nTest·nTrain·P′',
      note: 'also inverts L′ (P′³/3 Float64), builds per-sample gradients and streams top-k; none counted as flops',
    },
    () => computeExactHeadInfluence({ train, test, shape, trainProbs, testProbs, factor: headFactor, topK: 10 }),
    options.quick ? 1 : bigRuns,
    0,
  );
  // 5. Wide heads (issue 18): the dense linear algebra at P ≥ 2000, old routine beside the new ones.
  largeHeadKernels(kernel, { quick: options.quick, runs: bigRuns });

  a.dispose();
  b.dispose();

  const cpu = process.cpuUsage(cpuBefore);
  return {
    backend: backend.name,
    ...(backend.warning ? { backendWarning: backend.warning } : {}),
    peakGflops: peak,
    sectionPeakGflops: peakFlops / median(referenceCalls) / 1e9,
    peakBestGflops: peakFlops / Math.min(...referenceCalls) / 1e9,
    referenceCalls: referenceCalls.length,
    otherLoadCores: otherLoadCores(
      busyBefore,
      machineBusySeconds(),
      (cpu.user + cpu.system) / 1e6,
      (performance.now() - t0) / 1000,
    ),
    rows,
    shape: { ...SHAPE, parameters: p },
  };
}

type KernelFn = (
  spec: { name: string; shape: string; flops: number; flopsFormula: string; note?: string },
  fn: () => void,
  runs: number,
  warmup: number,
) => void;

/**
 * Factorisation, triangular inverse and Hessian formation on a head of P = 2000
 * (and 4000 in a full run): the old unblocked float64 routines (one run each at
 * the largest size: they take tens of seconds) beside the blocked float64 and
 * mixed-precision ones, all against the matMul measured around each.
 */
function largeHeadKernels(kernel: KernelFn, options: { quick: boolean; runs: number }): void {
  const sizes = options.quick ? [2000] : [2000, 4000];
  for (const size of sizes) {
    const c = 10;
    const shape: HeadShape = { featureDim: size / c - 1, numClasses: c };
    const p = headParameterCount(shape);
    const n = 5000;
    const d = shape.featureDim + 1;
    const train = syntheticHead(n, shape, createRng(20 + size));
    const probs = syntheticProbs(n, c, createRng(21 + size));
    let hessian: Float64Array = new Float64Array(0);
    kernel(
      {
        name: `headHessian, P=${p}`,
        shape: `n=${n}, D=${d}, C=${c}`,
        flops: ((c * (c + 1)) / 2) * 2 * n * d * d,
        flopsFormula: 'C(C+1)/2 · 2·n·D²',
        note: `${defaultThreads(headHessianMacs(n, shape))} thread(s): the class-pair blocks shared with a helper`,
      },
      () => {
        hessian = headHessian(train, shape, probs, n * 1e-3);
      },
      options.runs,
      // The first call starts the helper thread (kept between calls).
      1,
    );
    const cholFlops = p ** 3 / 3;
    // The blocked routines factor a copy of the Hessian in a buffer allocated once: a fresh P² array's first touch
    // (a page fault per 4 KB, 30–100 ms at P = 4000 here) is not the kernel's work.
    const work = new Float64Array(p * p);
    const freshCopy = () => {
      work.set(hessian);
      return work;
    };
    // The polish's Hessian is in shared memory on two threads, so the helper subtracts its trailing updates in place.
    const sharedWork = new Float64Array(new SharedArrayBuffer(8 * p * p));
    const freshSharedCopy = () => {
      sharedWork.set(hessian);
      return sharedWork;
    };
    const oldRuns = size > 2000 ? 1 : options.runs;
    let factor: Float64Array = new Float64Array(0);
    kernel(
      {
        name: `Cholesky, unblocked Float64 (before), P=${p}`,
        shape: `P=${p}`,
        flops: cholFlops,
        flopsFormula: 'P³/3',
        note: 'linalg/cholesky.ts choleskyInPlace',
      },
      () => {
        factor = Float64Array.from(hessian);
        if (!choleskyInPlace(factor, p)) throw new Error('synthetic Hessian is not positive definite');
      },
      oldRuns,
      0,
    );
    kernel(
      {
        name: `Cholesky, blocked Float64 4×4 tiles, P=${p}`,
        shape: `P=${p}`,
        flops: cholFlops,
        flopsFormula: 'P³/3',
        note: 'linalg/blockedCholesky.ts choleskyBlocked64',
      },
      () => void choleskyBlocked64(freshCopy(), p),
      options.runs,
      0,
    );
    kernel(
      {
        name: `Cholesky, mixed precision, P=${p}`,
        shape: `P=${p}`,
        flops: cholFlops,
        flopsFormula: 'P³/3',
        note: 'choleskyMixed: float32 matMul updates, float64 diagonal blocks',
      },
      () => void choleskyMixed(freshCopy(), p),
      options.runs,
      0,
    );
    kernel(
      {
        name: `Cholesky, mixed precision, 2 threads, P=${p}`,
        shape: `P=${p}`,
        flops: cholFlops,
        flopsFormula: 'P³/3',
        note:
          "choleskyMixed on the Hessian in shared memory, the trailing updates' chunks taken from a counter by a " +
          'helper thread (which subtracts its own in place) and by this one after it factors the next block column ' +
          '(lookahead): what polishHead runs',
      },
      () => void withSplitProducts(2, (split) => choleskyMixed(freshSharedCopy(), p, undefined, {}, split)),
      options.runs,
      1,
    );
    let eta = NaN;
    let precision = '';
    kernel(
      {
        name: `provisional damped factor, in place, 2 threads, P=${p}`,
        shape: `P=${p}`,
        flops: cholFlops,
        flopsFormula: 'P³/3',
        note:
          'what polishHead runs (fastFactor.ts provisionalDampedCholesky on the shared Hessian, the helper taking ' +
          'trailing updates): timed until the factor is usable; its check η (next row) then runs on the helper while ' +
          'the Newton step solves with the factor, and is waited for outside this time',
      },
      () =>
        withSplitProducts(2, (split) => {
          const t0 = performance.now();
          const f = provisionalDampedCholesky(freshSharedCopy(), p, 0, undefined, {
            runner: split,
            checker: split,
            inPlace: true,
          });
          const usable = new OwnTime((performance.now() - t0) / 1000);
          const settled = f.settle();
          eta = settled.deviation;
          precision = settled.precision;
          return usable;
        }),
      options.runs,
      1,
    );
    log(`kernels: the provisional factor at P=${p} settled on ${precision} (η = ${eta.toExponential(2)})`);
    // The mixed factor's check as fastFactor.ts hands it to the helper: L below the diagonal, A above it.
    const packed = Float64Array.from(hessian);
    choleskyMixed(packed, p, undefined, {}, undefined, true);
    const diagonal = Float64Array.from({ length: p }, (_, i) => hessian[i * p + i]);
    kernel(
      {
        name: `mixed factor's check η (12 float64 power steps), P=${p}`,
        shape: `P=${p}`,
        flops: 12 * 4 * p * p,
        flopsFormula: '12 · 4P² (two triangular solves and A·x per step)',
        note: 'factorChecks.ts packedFactorDeviation: on the helper while polishHead takes its Newton step',
      },
      () => void packedFactorDeviation(packed, diagonal, p),
      options.runs,
      0,
    );
    kernel(
      {
        name: `L⁻¹, unblocked Float64 (before), P=${p}`,
        shape: `P=${p}`,
        flops: cholFlops,
        flopsFormula: 'P³/3',
        note: 'invertLowerTriangular',
      },
      () => void invertLowerTriangular(factor, p),
      oldRuns,
      0,
    );
    kernel(
      {
        name: `L⁻¹, blocked Float64 4×4 tiles, P=${p}`,
        shape: `P=${p}`,
        flops: cholFlops,
        flopsFormula: 'P³/3',
        note: 'invertLowerBlocked(…, false)',
      },
      () => void invertLowerBlocked(factor, p, false),
      options.runs,
      0,
    );
    kernel(
      {
        name: `L⁻¹, mixed precision, P=${p}`,
        shape: `P=${p}`,
        flops: cholFlops,
        flopsFormula: 'P³/3',
        note: 'invertLowerPacked: float32 L⁻¹ packed by rows, what exact influence runs',
      },
      () => void invertLowerPacked(factor, p),
      options.runs,
      0,
    );
    kernel(
      {
        name: `L⁻¹, mixed precision, 2 threads, P=${p}`,
        shape: `P=${p}`,
        flops: cholFlops,
        flopsFormula: 'P³/3',
        note: 'invertLowerPacked, each update split in halves over a helper: what exact influence runs',
      },
      () => void withSplitProducts(2, (split) => invertLowerPacked(factor, p, undefined, {}, split)),
      options.runs,
      1,
    );
    whiteningKernels(kernel, factor, p, options.runs);
  }
}

/** Right-hand sides of the whitening rows: four of exact influence's 512-row training blocks. */
const WHITENING_COLUMNS = 2048;

/**
 * The whitening W = L⁻¹X of exact influence by the blocked triangular solve with L (what it runs: forming the solve's
 * pieces from L once, then the solve) beside the product with a formed L⁻¹ it replaced, all counted as the triangular
 * solve's standard n·P² flops so that the rows compare.
 */
function whiteningKernels(kernel: KernelFn, factor: Float64Array, p: number, runs: number): void {
  const cols = WHITENING_COLUMNS;
  const x = randomArray(p * cols, createRng(30 + p));
  const out = new Float32Array(p * cols);
  let solve: LowerSolve | undefined;
  kernel(
    {
      name: `triangular solve's pieces from L (once per factor), P=${p}`,
      shape: `P=${p}, nb=${SOLVE_BLOCK}`,
      flops: SOLVE_BLOCK * p * p,
      flopsFormula: 'nb·P² (−D_b·L[b, 0:s] for every block row b)',
      note:
        'linalg/triangularSolve.ts LowerSolve: D_b = L_bb⁻¹ in float64, the rest float32 matMuls; ' +
        'both threads form their own',
    },
    () => {
      solve?.dispose();
      solve = new LowerSolve(factor, p);
    },
    runs,
    0,
  );
  kernel(
    {
      name: `triangular solve (whitening), P=${p}, n rhs=${cols}`,
      shape: `P=${p}, n=${cols}`,
      flops: cols * p * p,
      flopsFormula: 'n·P²',
      note: 'W = L⁻¹X by blocked forward substitution, one float32 matMul per block of rows: what exact influence runs',
    },
    () => void solve!.multiply(x, cols, out),
    runs,
    1,
  );
  solve?.dispose();
  const product = new PackedLowerProduct(invertLowerPacked(factor, p), p);
  kernel(
    {
      name: `whitening by the L⁻¹ product (before), P=${p}, n rhs=${cols}`,
      shape: `P=${p}, n=${cols}`,
      flops: cols * p * p,
      flopsFormula: "n·P² (the solve's count; the product does 0.56·2·n·P²)",
      note: 'triangularProduct.ts PackedLowerProduct, after forming L⁻¹ (invertLowerPacked, the rows above)',
    },
    () => void product.multiply(x, cols, out),
    runs,
    1,
  );
  product.dispose();
}

/** The influence stage of a real run, as achieved GFLOP/s with the brief's flop count. */
export function influenceStageThroughput(
  stageSeconds: number,
  nTrain: number,
  nTest: number,
  p: number,
  peakGflops: number,
): Omit<KernelRow, 'seconds'> & { seconds: number } {
  // peakGflops here is the section-wide median: the stage ran in another process at another time.
  const flops = 2 * (nTrain + nTest) * p * p + 2 * nTest * nTrain * p;
  const gflops = flops / stageSeconds / 1e9;
  return {
    name: 'influence stage of the 10k MNIST MLP run (end-to-end section, median)',
    shape: `nTrain=${nTrain}, nTest=${nTest}, P=${p}`,
    flops,
    flopsFormula: '2·(nTrain+nTest)·P² + 2·nTest·nTrain·P',
    seconds: stageSeconds,
    gflops,
    referenceGflops: peakGflops,
    ofPeak: gflops / peakGflops,
    note: 'whole stage wall time, inside a CLI subprocess earlier in this run; % of the section-wide peak',
  };
}

/** Seconds of each of `runs` calls, after `warmup` untimed calls. */
/** What a timed call returns when it times only part of itself (the rest must not count, as a check it waits for). */
class OwnTime {
  constructor(readonly seconds: number) {}
}

/** Seconds per call of `fn`, or the seconds it returns as an OwnTime. */
function timedRaw(fn: () => unknown, runs: number, warmup: number): number[] {
  for (let w = 0; w < warmup; w++) fn();
  const seconds: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const own = fn();
    seconds.push(own instanceof OwnTime ? own.seconds : (performance.now() - t0) / 1000);
  }
  return seconds;
}

function randomArray(length: number, rng: () => number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng();
  return out;
}

/** ReLU-like features (about half zeros) and random labels. */
function syntheticHead(n: number, shape: HeadShape, rng: () => number): HeadData {
  const phi = new Float32Array(n * shape.featureDim);
  for (let i = 0; i < phi.length; i++) phi[i] = Math.max(0, normal(rng));
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.floor(rng() * shape.numClasses);
  return { phi, y, n };
}

function syntheticProbs(n: number, c: number, rng: () => number): Float64Array {
  const probs = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < c; k++) sum += probs[i * c + k] = Math.exp(3 * normal(rng));
    for (let k = 0; k < c; k++) probs[i * c + k] /= sum;
  }
  return probs;
}
