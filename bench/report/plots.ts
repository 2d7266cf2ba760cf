/** The SVG figures of REPORT.md, drawn from the same numbers as its tables. */
import fs from 'node:fs';
import path from 'node:path';
import { lineChart, type Series } from '../lib/svg';
import { SIGNAL_LABELS, SIGNALS, variantLabel } from '../sections/detection';
import { irisPlotName } from './render';
import { TARGET_SECONDS } from '../sections/endToEnd';
import type { BenchResults } from './types';

/** Writes the plots into `dir`; returns their file names (in report order). */
export function writePlots(results: BenchResults, dir: string): string[] {
  const written: string[] = [];
  const write = (name: string, svg: string) => {
    fs.writeFileSync(path.join(dir, name), svg);
    written.push(name);
  };
  const loadNote = 'Measured on a shared machine under load from other jobs; whiskers = min–max over runs.';

  const e2e = results.sections.e2e;
  if (e2e?.ok) {
    const defaults = e2e.data.configs.filter((c) => c.backend === undefined && c.workers === undefined);
    const keys = [...new Set(defaults.map((c) => `${c.model}|${c.mode}`))];
    const series: Series[] = keys.map((key) => {
      const [model, mode] = key.split('|');
      return {
        name: mode === 'cli' ? `${model} (CLI)` : `${model} (${mode})`,
        line: mode === 'cli',
        points: defaults
          .filter((c) => c.model === model && c.mode === mode && c.wall.runs > 0)
          .map((c) => ({ x: c.samples, y: c.wall.median, yLow: c.wall.min, yHigh: c.wall.max })),
      };
    });
    if (series.some((s) => s.points.length > 0)) {
      write(
        'e2e-total.svg',
        lineChart({
          title: 'End to end on MNIST: wall time of one CLI analysis',
          xLabel: 'samples loaded (80% train / 20% test)',
          yLabel: 'seconds (median of runs)',
          series,
          references: [{ y: TARGET_SECONDS, label: `${TARGET_SECONDS} s target (mlp, 10k)` }],
          // Headroom above the target line so its label stays inside the frame.
          yMax: 1.15 * Math.max(TARGET_SECONDS, ...series.flatMap((s) => s.points.map((p) => p.yHigh ?? p.y))),
          note: loadNote,
        }),
      );
    }
    const mlp = defaults.filter((c) => c.model === 'mlp' && c.mode === 'cli' && c.wall.runs > 0);
    const stageNames = [...new Set(mlp.flatMap((c) => Object.keys(c.stages)))].filter((s) =>
      mlp.some((c) => (c.stages[s]?.median ?? 0) >= 0.05),
    );
    if (mlp.length > 0 && stageNames.length > 0) {
      write(
        'e2e-stages-mlp.svg',
        lineChart({
          title: 'MLP on MNIST (CLI): seconds per stage',
          xLabel: 'samples loaded',
          yLabel: 'seconds (median of runs)',
          series: stageNames.map((s) => ({
            name: s,
            points: mlp.map((c) => ({
              x: c.samples,
              y: c.stages[s]?.median ?? 0,
              yLow: c.stages[s]?.min,
              yHigh: c.stages[s]?.max,
            })),
          })),
          note: loadNote,
        }),
      );
    }
  }

  const scaling = results.sections.scaling;
  if (scaling?.ok) {
    const sweep = (points: typeof scaling.data.overN, name: string, title: string, xLabel: string) => {
      const ok = points.filter((p) => p.ok);
      if (ok.length < 2) return;
      write(
        name,
        lineChart({
          title,
          xLabel,
          yLabel: 'seconds (left series) / GB (peak RSS)',
          series: [
            { name: 'wall time, s', points: ok.map((p) => ({ x: p.size, y: p.wallSeconds ?? 0 })) },
            { name: 'peak RSS, GB', dashed: true, points: ok.map((p) => ({ x: p.size, y: (p.maxRssMB ?? 0) / 1024 })) },
          ],
          note: 'One run per size, a fresh CLI process each.',
        }),
      );
    };
    sweep(
      scaling.data.overN,
      'scaling-n.svg',
      'Time and peak memory against N (784 features, MLP, exact)',
      'training samples N',
    );
    sweep(
      scaling.data.overP,
      'scaling-p.svg',
      'Time and peak memory against P (5,000 samples, 64 features)',
      'head parameters P',
    );
  }

  const detection = results.sections.detection;
  if (detection?.ok) {
    const plotted = detection.data.cases.filter((c) => c.ok && c.curves && (c.dataset === 'mnist' || c.seed === 0));
    for (const c of plotted) {
      const name = c.dataset === 'mnist' ? `detection-mnist-${Math.round(c.noise * 100)}pct.svg` : irisPlotName(c);
      const series: Series[] = SIGNALS.map((s) => ({ name: SIGNAL_LABELS[s], points: c.curves![s], markers: false }));
      series.push({
        name: SIGNAL_LABELS.random,
        points: [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
        dashed: true,
        markers: false,
      });
      write(
        name,
        lineChart({
          title: `${c.name} (${variantLabel(c)}): recall of flipped labels`,
          xLabel: 'fraction of the ranking inspected',
          yLabel: 'share of flipped labels found',
          series,
          xMin: 0,
          xMax: 1,
          yMax: 1,
          note:
            `${c.flipped} flipped of ${c.nTrain} training samples; ties broken as ` +
            `the engine's recallAtFraction does (expected share).`,
        }),
      );
    }
  }
  return written;
}
