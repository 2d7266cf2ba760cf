/**
 * Two small, dependency-free SVG charts for the study, made to be honest
 * rather than pretty: every measured point is drawn, axes are linear and
 * labelled, zero is always on the axis, and missing values are shown as
 * missing (a gap with "n/a"), never as zero.
 *
 * bench/lib/svg.ts has a line chart; the study needs grouped bars and
 * small-multiple scatter plots with a y = x reference, hence this file.
 */
import { niceTicks as roundTicks } from '../lib/svg';

// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function f(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : '0';
}

/** About `target` round tick values covering [lo, hi]; a degenerate range is padded around its value first. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.5 : 1;
    lo -= pad;
    hi += pad;
  }
  return roundTicks(lo, hi, target);
}

function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

export interface BarSeries {
  name: string;
  /** One value per group; NaN/undefined = not measured. */
  values: (number | undefined)[];
}

export interface BarChartOptions {
  title: string;
  yLabel: string;
  groups: string[];
  series: BarSeries[];
  /** Horizontal reference lines (e.g. acceptance thresholds). */
  references?: { y: number; label: string }[];
  yMin?: number;
  yMax?: number;
  note?: string;
}

/** Grouped vertical bars, one group per x label, one colour per series; the y axis always includes 0. */
export function groupedBarChart(o: BarChartOptions): string {
  const groupWidth = Math.max(14 * o.series.length + 16, 70);
  const m = { left: 60, right: 200, top: 44, bottom: 130 + (o.note ? 18 : 0) };
  const pw = groupWidth * o.groups.length;
  const ph = 300;
  const width = m.left + pw + m.right;
  const height = m.top + ph + m.bottom;
  const values = o.series.flatMap((s) => s.values).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const refs = (o.references ?? []).map((r) => r.y);
  const ticks = niceTicks(
    Math.min(0, o.yMin ?? Math.min(0, ...values, ...refs)),
    Math.max(0, o.yMax ?? Math.max(0, ...values, ...refs)),
  );
  const [y0, y1] = [ticks[0], ticks[ticks.length - 1]];
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0 || 1)) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" ` +
      `height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="11">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${m.left}" y="24" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  for (const t of ticks) {
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(t))}" ` +
        `y2="${f(sy(t))}" stroke="${t === 0 ? '#444' : '#e4e4e4'}"/>`,
    );
    out.push(`<text x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${esc(tickLabel(t))}</text>`);
  }
  out.push(
    `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  const barWidth = (groupWidth - 12) / o.series.length;
  o.groups.forEach((g, gi) => {
    const gx = m.left + gi * groupWidth + 6;
    if (gi > 0) out.push(`<line x1="${gx - 6}" x2="${gx - 6}" y1="${m.top}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    o.series.forEach((s, si) => {
      const v = s.values[gi];
      const x = gx + si * barWidth;
      if (v === undefined || !Number.isFinite(v)) {
        out.push(
          `<text x="${f(x + barWidth / 2)}" y="${f(sy(0) - 3)}" font-size="7" ` +
            `text-anchor="middle" fill="#999">n/a</text>`,
        );
        return;
      }
      const top = Math.min(sy(v), sy(0));
      const h = Math.abs(sy(v) - sy(0));
      out.push(
        `<rect x="${f(x)}" y="${f(top)}" ` +
          `width="${f(Math.max(barWidth - 1, 1))}" ` +
          `height="${f(Math.max(h, 0.5))}" ` +
          `fill="${PALETTE[si % PALETTE.length]}"><title>${esc(`${g} · ${s.name}: ${v.toFixed(3)}`)}</title></rect>`,
      );
    });
    const lx = gx + (groupWidth - 12) / 2;
    out.push(`<text transform="translate(${f(lx)} ${m.top + ph + 10}) rotate(50)" font-size="10">${esc(g)}</text>`);
  });
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  for (const r of o.references ?? []) {
    if (r.y < y0 || r.y > y1) continue;
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(r.y))}" ` +
        `y2="${f(sy(r.y))}" stroke="#b00" stroke-dasharray="6 4"/>`,
    );
    out.push(`<text x="${m.left + pw + 4}" y="${f(sy(r.y) + 4)}" fill="#b00">${esc(r.label)}</text>`);
  }
  o.series.forEach((s, si) => {
    const ly = m.top + 70 + si * 18;
    const lx = m.left + pw + 14;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${PALETTE[si % PALETTE.length]}"/>`);
    out.push(`<text x="${lx + 18}" y="${ly + 1}">${esc(s.name)}</text>`);
  });
  if (o.note) out.push(`<text x="${m.left}" y="${height - 8}" font-size="10" fill="#555">${esc(o.note)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface ScatterSeries {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

export interface ScatterPanel {
  title: string;
  /** A line of small print under the panel title (e.g. the correlations). */
  subtitle?: string;
  series: ScatterSeries[];
  /** Draw y = x (only meaningful when both axes are in the same units). */
  identity?: boolean;
}

export interface ScatterGridOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  panels: ScatterPanel[];
  columns?: number;
  note?: string;
}

/** Small multiples: one scatter per panel, each with its own linear axes through 0. */
export function scatterGrid(o: ScatterGridOptions): string {
  const columns = Math.max(1, Math.min(o.columns ?? 4, o.panels.length));
  const rows = Math.ceil(o.panels.length / columns);
  const pw = 200;
  const ph = 170;
  const cell = { w: pw + 80, h: ph + 84 };
  const top = 64;
  const width = columns * cell.w + 20;
  const height = top + rows * cell.h + (o.note ? 26 : 10);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" ` +
      `height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="10">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="14" y="22" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  // Legend: the union of series names, in order of first appearance.
  const legend = new Map<string, string>();
  for (const p of o.panels) for (const s of p.series) if (!legend.has(s.name)) legend.set(s.name, s.color);
  let lx = 14;
  for (const [name, color] of legend) {
    out.push(`<circle cx="${lx + 5}" cy="40" r="4" fill="${color}" fill-opacity="0.75"/>`);
    out.push(`<text x="${lx + 13}" y="44" font-size="11">${esc(name)}</text>`);
    lx += 24 + name.length * 6.2;
  }
  o.panels.forEach((panel, k) => {
    const ox = 10 + (k % columns) * cell.w + 56;
    const oy = top + Math.floor(k / columns) * cell.h + 30;
    const pts = panel.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const xt = niceTicks(Math.min(0, ...pts.map((p) => p.x)), Math.max(0, ...pts.map((p) => p.x)), 4);
    const yt = niceTicks(Math.min(0, ...pts.map((p) => p.y)), Math.max(0, ...pts.map((p) => p.y)), 4);
    const [x0, x1] = [xt[0], xt[xt.length - 1]];
    const [y0, y1] = [yt[0], yt[yt.length - 1]];
    const sx = (x: number) => ox + ((x - x0) / (x1 - x0 || 1)) * pw;
    const sy = (y: number) => oy + ph - ((y - y0) / (y1 - y0 || 1)) * ph;
    out.push(`<text x="${ox}" y="${oy - 16}" font-size="11" font-weight="bold">${esc(panel.title)}</text>`);
    if (panel.subtitle)
      out.push(`<text x="${ox}" y="${oy - 4}" font-size="9" fill="#333">${esc(panel.subtitle)}</text>`);
    for (const t of yt) {
      out.push(
        `<line x1="${ox}" x2="${ox + pw}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="${t === 0 ? '#999' : '#eee'}"/>`,
      );
      out.push(`<text x="${ox - 4}" y="${f(sy(t) + 3)}" text-anchor="end" font-size="8">${esc(tickLabel(t))}</text>`);
    }
    for (const t of xt) {
      out.push(
        `<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${oy}" y2="${oy + ph}" stroke="${t === 0 ? '#999' : '#eee'}"/>`,
      );
      out.push(
        `<text x="${f(sx(t))}" y="${oy + ph + 11}" text-anchor="middle" font-size="8">${esc(tickLabel(t))}</text>`,
      );
    }
    out.push(`<rect x="${ox}" y="${oy}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
    if (panel.identity) {
      const lo = Math.max(x0, y0);
      const hi = Math.min(x1, y1);
      if (hi > lo)
        out.push(
          `<line x1="${f(sx(lo))}" y1="${f(sy(lo))}" x2="${f(sx(hi))}" ` +
            `y2="${f(sy(hi))}" stroke="#888" stroke-dasharray="4 3"/>`,
        );
    }
    for (const s of panel.series) {
      for (const p of s.points) {
        if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
        out.push(`<circle cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="2.6" fill="${s.color}" fill-opacity="0.7"/>`);
      }
    }
    out.push(`<text x="${ox + pw / 2}" y="${oy + ph + 24}" text-anchor="middle" font-size="9">${esc(o.xLabel)}</text>`);
    out.push(
      `<text transform="translate(${ox - 40} ${oy + ph / 2}) rotate(-90)" ` +
        `text-anchor="middle" font-size="9">${esc(o.yLabel)}</text>`,
    );
  });
  if (o.note) out.push(`<text x="14" y="${height - 8}" font-size="10" fill="#555">${esc(o.note)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
