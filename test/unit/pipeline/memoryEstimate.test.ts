/**
 * The memory estimate against peak RSS measured by whole CLI runs: the
 * benchmark's scaling section (bench/results/REPORT.md §4: 784 features,
 * MLP 128, exact, 2,000 test samples; and 5,000/1,000 samples of 64 features
 * with a hidden width that sets the head) and the hand-measured shapes of
 * issue 12. The estimate covers training and influence, not loading (done
 * before it is made), so the load-heavy 100k run is under its peak.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  estimateRunMemory,
  largestFitting,
  modelParameters,
  type RunShape,
} from '../../../src/compute/pipeline/memoryEstimate';

const MB = 2 ** 20;
const mlp = { numClasses: 10, kind: 'mlp' as const, folds: 5, workers: 2, explain: 50 };

const MEASURED: { what: string; shape: RunShape; peakMB: number; todo?: string }[] = [
  ...[
    [1000, 279],
    [3000, 308],
    [10000, 438],
    [30000, 725],
    [100000, 1814],
  ].map(([n, peakMB]) => ({
    what: `N=${n}`,
    shape: { ...mlp, nTrain: n, nTest: 2000, dims: 784, hidden: [128], influence: 'exact' as const },
    peakMB,
  })),
  ...[
    [100, 196, 'exact'],
    [1000, 250, 'exact'],
    [3000, 469, 'exact'],
    [5000, 922, 'iterative'],
  ].map(([p, peakMB, influence]) => ({
    what: `P=${p}`,
    shape: {
      ...mlp,
      nTrain: 5000,
      nTest: 1000,
      dims: 64,
      hidden: [Math.round(Number(p) / 10) - 1],
      influence: influence as RunShape['influence'],
    },
    peakMB: Number(peakMB),
  })),
  // Issue 12: 110,000 short texts (31 MB of JSONL, 512 hashed text features, 4 topics) at default options: the
  // estimate counted one copy of a fold's features per training thread and came out at 970 MB.
  {
    what: '110,000 short texts',
    shape: { ...mlp, numClasses: 4, nTrain: 88_000, nTest: 22_000, dims: 512, hidden: [128], influence: 'exact' },
    peakMB: 1170,
  },
  // The long-JSONL and wide-CSV shapes of the benchmark, peak RSS over whole runs at the sample the working budget
  // kept at main 7ae87fd (forced by --max-samples, --max-memory-mb 4096), measured again at main 880335f: a logistic
  // regression's fit on each training thread holds its Φ̃ and Φ̃ᵀ (head/biasedFeatures.ts; no JS copy since b7d75f1),
  // ~4 copies of the training inputs per thread with the heap growth around them (memoryEstimate.ts
  // LOGREG_FIT_COPIES). At 7ae87fd the same runs peaked at 2,945, 2,545, 1,784 and 2,345 MB: the fits held two more
  // JS copies, and the neighbour searches went past training's peak on the wide CSV.
  ...(
    [
      ['97,847 + 24,462 short texts, --model auto', 'mlp', true, 97_847, 24_462, 513, 4, 2507],
      ['73,074 + 18,268 short texts, --model logreg', 'logreg', false, 73_074, 18_268, 513, 4, 2046],
      ['123,118 + 30,780 short texts, --model mlp', 'mlp', false, 123_118, 30_780, 513, 4, 1798],
      ['1,678 + 419 rows of 20,000 columns, --model auto', 'mlp', true, 1678, 419, 20_000, 3, 1743],
    ] as const
  ).map(([what, kind, logregBeside, nTrain, nTest, dims, numClasses, peakMB]) => ({
    what,
    shape: {
      ...mlp,
      kind,
      hidden: kind === 'mlp' ? [128] : [],
      numClasses,
      nTrain,
      nTest,
      dims,
      influence: 'exact' as const,
      logregBeside,
    },
    peakMB,
  })),
  // Exact heads factored in the class-contrast coordinates (P′ = D·(C − 1)), --max-memory-mb 4096, 5 folds, one CLI
  // run each on a quiet machine at main 9cfc7a4 (peak RSS by /usr/bin/time): MNIST logistic regression on the 784
  // pixels (P′ = 7065; 1,746 MB at 10k when P = 7850 was factored with a packed L⁻¹ beside it), synthetic blobs under
  // logreg, and the head P = 5000 MLP target.
  ...(
    [
      ['MNIST logreg 1k', 800, 200, 784, 10, [], 897],
      ['MNIST logreg 5k', 4000, 1000, 784, 10, [], 1079],
      ['MNIST logreg 10k', 8000, 2000, 784, 10, [], 1216],
      ['blobs 300 × 10, logreg', 5000, 1000, 300, 10, [], 418],
      ['blobs 500 × 10, logreg', 8000, 2000, 500, 10, [], 699],
      ['blobs 100 × 40, logreg', 4000, 1000, 100, 40, [], 490],
      ['MLP head P = 5000', 5000, 1000, 64, 10, [499], 637],
    ] as const
  ).map(([what, nTrain, nTest, dims, numClasses, hidden, peakMB]) => ({
    what: `${what}, exact`,
    shape: {
      ...mlp,
      kind: hidden.length ? ('mlp' as const) : ('logreg' as const),
      nTrain,
      nTest,
      dims,
      numClasses,
      hidden: [...hidden],
      influence: 'exact' as const,
    },
    peakMB,
  })),
  // Your own embeddings (an .npy of 1,024-wide float32 vectors, 3 classes, exact head of 3,075 parameters): no
  // worker trains, the head is fitted on the analysis thread and keeps its features and their transpose in the
  // backend's heap. The estimate as for a logistic regression trained here said 882 and 1,234 MB. Measured 986 and
  // 1,748 MB then; at main 9cfc7a4 (blobs of 3 classes, default options) 1,193 and 2,076 MB — over the 2 GB working
  // budget — with the analysis thread's own buffers at 825 MB of the 1,578 MB after the hessian stage: the two-thread
  // Hessian formation's helper and the issue searches grew the rest, now counted (memoryEstimate.ts frozenHelperHeap).
  ...[
    [20_000, 1193],
    [40_000, 2076],
  ].map(([n, peakMB]) => ({
    what: `${n.toLocaleString('en-US')} embeddings of 1,024`,
    shape: {
      ...mlp,
      kind: 'logreg' as const,
      numClasses: 3,
      nTrain: 0.8 * n,
      nTest: 0.2 * n,
      dims: 1024,
      hidden: [],
      influence: 'exact' as const,
      frozen: true,
    },
    peakMB,
  })),
];

describe('memory estimate', () => {
  for (const m of MEASURED) {
    test(`${m.what}: within -30% / +35% of the measured ${m.peakMB} MB`, { todo: m.todo }, () => {
      const mb = estimateRunMemory(m.shape).totalBytes / MB;
      assert.ok(mb > 0.7 * m.peakMB && mb < 1.35 * m.peakMB, `estimated ${mb.toFixed(0)} MB, measured ${m.peakMB} MB`);
    });
  }

  test('near the working budget (peaks over 1 GB) it is never more than 10% under: a sample sized on it fits', () => {
    // It counted one copy of a fold's features per training thread: 22% under at N=100,000, 17% on the short texts.
    for (const m of MEASURED.filter((x) => x.peakMB > 1024 && !x.todo)) {
      const mb = estimateRunMemory(m.shape).totalBytes / MB;
      assert.ok(mb > 0.9 * m.peakMB, `${m.what}: estimated ${mb.toFixed(0)} MB, measured ${m.peakMB} MB`);
    }
  });

  test(
    '--hidden 30000,30000 (measured: grew to 14 GB, then "memory access out ' + 'of bounds") is far past the wasm heap',
    () => {
      const e = estimateRunMemory({
        ...mlp,
        numClasses: 2,
        nTrain: 240,
        nTest: 60,
        dims: 2,
        hidden: [30000, 30000],
        influence: 'iterative',
      });
      assert.equal(e.parameters, 2 * 30000 + 30000 + 30000 * 30000 + 30000 + 30001 * 2);
      assert.ok(e.threadHeap.bytes > 4 * 2 ** 30);
      assert.equal(e.threadHeap.what, 'training one model of 900,180,002 parameters');
    },
  );

  test('parameter counts: logreg, mlp, cnn', () => {
    assert.deepEqual(modelParameters({ kind: 'logreg', dims: 784, numClasses: 10, hidden: [128] }), {
      total: 7850,
      head: 7850,
      featureDim: 784,
    });
    assert.deepEqual(modelParameters({ kind: 'mlp', dims: 784, numClasses: 10, hidden: [128] }), {
      total: 101770,
      head: 1290,
      featureDim: 128,
    });
    const cnn = modelParameters({
      kind: 'cnn',
      dims: 784,
      numClasses: 10,
      hidden: [64],
      imageShape: [28, 28, 1],
      convChannels: [8, 16],
    });
    assert.equal(cnn.head, 650);
    assert.equal(cnn.total, 9 * 8 + 8 + 9 * 8 * 16 + 16 + 7 * 7 * 16 * 64 + 64 + 650);
  });

  test('largestFitting finds the edge', () => {
    assert.equal(
      largestFitting(1, 1000, (v) => v * v <= 5000),
      70,
    );
    assert.equal(
      largestFitting(5, 10, () => false),
      4,
    );
  });
});
