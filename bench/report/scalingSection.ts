/** REPORT.md section 4: scaling of time and memory with N and P. */
import { table } from '../lib/markdown';
import type { MemoryShapeRow } from '../sections/memoryShapes';
import { MEMORY_LIMIT_MB, type ScalingPoint, type ScalingSection } from '../sections/scaling';

const STAGES = ['load', 'train', 'fitHead', 'hessian', 'influence'];

function f(x: number | null | undefined, digits = 1): string {
  return x == null || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

function rows(points: ScalingPoint[], size: (p: ScalingPoint) => string): string[][] {
  return points.map((p) => [
    size(p),
    String(p.targetParameters ?? '—'),
    f(p.csvMB, 0),
    p.ok ? f(p.wallSeconds) : `FAILED: ${(p.error ?? '').split('\n')[0].slice(0, 120)}`,
    ...STAGES.map((s) => f(p.stages?.[s])),
    f(p.maxRssMB, 0),
    f(p.maxExternalMB, 0),
  ]);
}

export function scalingSection(s: ScalingSection, plots: string[]): string[] {
  const header = [
    'size',
    'P (head)',
    'CSV MB',
    'wall s',
    ...STAGES.map((x) => `${x} s`),
    'peak RSS MB',
    'main-thread wasm + buffers MB',
  ];
  const out = ['## 4. Scaling with N and P', ''];
  out.push(
    'Synthetic Gaussian blobs (10 classes) written as integer CSV and ' +
      'analyzed by the CLI, one fresh process per size (one run each: the ' +
      '100k run alone takes minutes). ' +
      ('Peak RSS covers the whole process, worker threads included; the last ' +
        "column is the main thread's peak `external` memory, sampled every 100 " +
        'ms, ') +
      ('which holds its tfjs wasm heap (workers have their own, inside RSS). ' +
        'Growth exponent = least-squares slope of log(value) on log(size).'),
    '',
  );
  out.push('### Over N (training samples; 784 features, MLP 128, exact, fixed 2,000 test samples)', '');
  out.push(
    table(
      header,
      rows(s.overN, (p) => p.nTrain.toLocaleString('en-US')),
    ),
    '',
  );
  out.push(`Growth exponents over N: time ${f(s.exponents.timeN, 2)}, peak RSS ${f(s.exponents.rssN, 2)}.`, '');
  if (s.memory.pass !== null) {
    out.push(
      `**Peak memory at N = 100,000 (784 features): ${f(s.memory.rssMB, 0)} ` +
        `MB — ${s.memory.pass ? 'under' : 'NOT under'} the ${MEMORY_LIMIT_MB} ` +
        `MB target.**`,
      '',
    );
  } else {
    out.push('N = 100,000 was not run here (quick mode); the full run measures it.', '');
  }
  out.push(
    '### Over P (head parameters; 5,000 training and 1,000 test samples of 64 features, hidden width h = P/10 − 1)',
    '',
  );
  out.push(
    table(
      header,
      rows(s.overP, (p) => String(p.size)),
    ),
    '',
  );
  out.push(
    `Growth exponents over P: time ${f(s.exponents.timeP, 2)}, peak RSS ${f(s.exponents.rssP, 2)}. ` +
      'Hessian formation is O(N·P²) and its float64 Cholesky O(P³), so at large P those stages take over.',
    '',
  );
  if (s.shapes) out.push(...memoryShapesTable(s.shapes, s.shapesMeasuredAt));
  for (const plot of ['scaling-n.svg', 'scaling-p.svg']) if (plots.includes(plot)) out.push(`![${plot}](${plot})`, '');
  return out;
}

function memoryShapesTable(rows: MemoryShapeRow[], measuredAt?: string): string[] {
  return [
    '### Peak memory on hard input shapes (default options)',
    '',
    ...(measuredAt ? [`Measured on their own (\`--memory-shapes\`), started ${measuredAt}.`, ''] : []),
    ...(rows.some((r) => r.measuredAt) && !measuredAt
      ? [
          'Rows measured on their own (`--memory-shapes --sets …`) at different times; ' +
            'each row says when, and the load then.',
          '',
        ]
      : []),
    `Each shape once exceeded the bound. It must now be analyzed (exit 0) ` +
      `or refused with the reason and the option that ` +
      `would make it fit (exit 2), with peak RSS under ${MEMORY_LIMIT_MB} MB.`,
    '',
    table(
      [
        'shape',
        'file MB',
        'options',
        'exit',
        'samples analyzed',
        'peak RSS MB',
        'wall s',
        'within the bound',
        'message',
        ...(measuredAt ? [] : ['measured (1-min load)']),
      ],
      rows.map((r) => [
        r.shape,
        f(r.fileMB, 0),
        r.args.join(' ') || 'defaults',
        String(r.exitCode ?? 'killed'),
        r.samples === undefined ? '' : r.samples.toLocaleString('en-US'),
        f(r.maxRssMB, 0),
        f(r.wallSeconds),
        r.pass ? 'yes' : '**NO**',
        (r.message ?? r.sampleNote ?? '').replace(/\|/g, '\\|'),
        ...(measuredAt
          ? []
          : [r.measuredAt ? `${r.measuredAt.slice(0, 16).replace('T', ' ')} (${f(r.loadAtStart ?? null, 1)})` : '']),
      ]),
    ),
    '',
  ];
}
