/**
 * A small SVG line/scatter chart, written for honesty rather than looks:
 * linear axes, the y axis starts at 0 unless told otherwise, every measured
 * point is drawn as a marker (lines only connect them), and whiskers show the
 * min–max spread where there is one. No dependencies.
 */

export interface Point {
  x: number;
  y: number;
  /** Optional spread (e.g. min and max over runs), drawn as a whisker. */
  yLow?: number;
  yHigh?: number;
}

export interface Series {
  name: string;
  points: Point[];
  /** Connect the points (default true); false = scatter. */
  line?: boolean;
  dashed?: boolean;
  /** Draw markers (default true). */
  markers?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Horizontal reference lines, e.g. a time budget. */
  references?: { y: number; label: string }[];
  xMin?: number;
  xMax?: number;
  /** Default 0: a y axis that does not start at zero exaggerates differences. */
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
  /** A line of small print under the chart (e.g. "measured under load"). */
  note?: string;
}

// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 800;
  const height = o.height ?? 400;
  const m = { left: 64, right: 250, top: 40, bottom: o.note ? 70 : 52 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;

  const all = o.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = all.map((p) => p.x);
  const ys = all.flatMap((p) => [p.y, p.yLow ?? p.y, p.yHigh ?? p.y]).concat((o.references ?? []).map((r) => r.y));
  const xTicks = niceTicks(o.xMin ?? Math.min(0, ...xs), o.xMax ?? Math.max(1e-12, ...xs));
  const yTicks = niceTicks(o.yMin ?? Math.min(0, ...ys), o.yMax ?? Math.max(1e-12, ...ys));
  const [x0, x1] = [xTicks[0], xTicks[xTicks.length - 1]];
  const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0 || 1)) * ph;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" ` +
      `height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
  );
  // Grid and ticks.
  for (const t of yTicks) {
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${esc(tickLabel(t))}</text>`);
  }
  for (const t of xTicks) {
    out.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${m.top}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${f(sx(t))}" y="${m.top + ph + 16}" text-anchor="middle">${esc(tickLabel(t))}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph + 36}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(
    `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  if (o.note) out.push(`<text x="${m.left}" y="${height - 10}" font-size="11" fill="#555">${esc(o.note)}</text>`);

  for (const r of o.references ?? []) {
    if (r.y < y0 || r.y > y1) continue;
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(r.y))}" ` +
        `y2="${f(sy(r.y))}" stroke="#b00" stroke-dasharray="6 4"/>`,
    );
    out.push(`<text x="${m.left + pw - 4}" y="${f(sy(r.y) - 5)}" text-anchor="end" fill="#b00">${esc(r.label)}</text>`);
  }

  o.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (s.line !== false && pts.length > 1) {
      const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(sx(p.x))},${f(sy(p.y))}`).join(' ');
      out.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      );
    }
    for (const p of pts) {
      if (p.yLow !== undefined && p.yHigh !== undefined && p.yHigh > p.yLow) {
        const x = f(sx(p.x));
        out.push(
          `<line x1="${x}" x2="${x}" y1="${f(sy(p.yLow))}" y2="${f(sy(p.yHigh))}" ` +
            `stroke="${color}" stroke-width="1.5"/>`,
        );
        for (const y of [p.yLow, p.yHigh])
          out.push(
            `<line x1="${f(sx(p.x) - 4)}" x2="${f(sx(p.x) + 4)}" y1="${f(sy(y))}" y2="${f(sy(y))}" stroke="${color}"/>`,
          );
      }
      if (s.markers !== false) out.push(`<circle cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="3.5" fill="${color}"/>`);
    }
    const ly = m.top + 8 + k * 20;
    const lx = m.left + pw + 14;
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" ` +
        `stroke="${color}" ` +
        `stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
    );
    if (s.markers !== false) out.push(`<circle cx="${lx + 11}" cy="${ly}" r="3.5" fill="${color}"/>`);
    out.push(`<text x="${lx + 28}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((s) => s * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = start; t < hi + step - 1e-9 * step; t += step) ticks.push(Math.round(t / step) * step);
  return ticks;
}

function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

function f(v: number): string {
  return v.toFixed(1);
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
