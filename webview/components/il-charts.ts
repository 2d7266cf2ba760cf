/**
 * The overview's two charts, drawn by Chart.js on a canvas: the suspicion
 * histogram with the estimated cut marked, and the reliability scatter of
 * predicted against actual change of test loss with the y = x line. Colours
 * are read from the theme's chart variables when the chart is made.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  LinearScale,
  LineController,
  LineElement,
  type Plugin,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import { css, html, LitElement, type PropertyValues } from 'lit';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
);

function themeColor(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

abstract class ChartElement extends LitElement {
  static override styles = css`
    :host {
      display: block;
      position: relative;
      height: 220px;
    }
  `;
  private chart: Chart | undefined;

  protected abstract config(): ChartConfiguration;

  override render() {
    return html`<canvas role="img" aria-label=${this.label()}></canvas>`;
  }

  protected abstract label(): string;

  protected override updated(_changed: PropertyValues): void {
    this.chart?.destroy();
    this.chart = new Chart(this.renderRoot.querySelector('canvas')!, this.config());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.chart?.destroy();
    this.chart = undefined;
  }

  protected axisColors() {
    return {
      text: themeColor(this, '--vscode-descriptionForeground', '#888'),
      grid: themeColor(this, '--vscode-widget-border', 'rgba(128,128,128,0.25)'),
    };
  }
}

/**
 * Suspicion histogram. Bins at or above the cut (the estimated label errors)
 * are drawn in the warning colour, and a vertical line marks the cut itself.
 * @tag il-histogram
 */
export class IlHistogram extends ChartElement {
  static override properties = { counts: { attribute: false }, cut: { attribute: false } };
  declare counts: number[];
  declare cut: number | null;

  constructor() {
    super();
    this.counts = [];
    this.cut = null;
  }

  protected label(): string {
    return (
      `Histogram of the suspicion score (a mean of rank percentiles) over ` +
      `${this.counts.reduce((a, b) => a + b, 0)} training ` +
      `samples${this.cut === null ? '' : `; estimated cut at ${this.cut.toFixed(2)}`}`
    );
  }

  protected config(): ChartConfiguration {
    const bins = this.counts.length;
    const { text, grid } = this.axisColors();
    const normal = themeColor(this, '--vscode-charts-blue', '#3794ff');
    const flagged = themeColor(this, '--vscode-charts-orange', '#d18616');
    const cut = this.cut;
    const cutLine: Plugin<'bar'> = {
      id: 'cutLine',
      afterDatasetsDraw: (chart) => {
        if (cut === null) return;
        const x = chart.scales.x;
        // Category scale: bin k is centred at k; the cut sits inside bin cut·bins.
        const px = x.getPixelForValue(cut * bins - 0.5);
        const { top, bottom } = chart.chartArea;
        const ctx = chart.ctx;
        ctx.save();
        ctx.strokeStyle = flagged;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(px, top);
        ctx.lineTo(px, bottom);
        ctx.stroke();
        ctx.restore();
      },
    };
    return {
      type: 'bar',
      data: {
        labels: this.counts.map((_, k) => `${(k / bins).toFixed(2)}–${((k + 1) / bins).toFixed(2)}`),
        datasets: [
          {
            data: this.counts,
            backgroundColor: this.counts.map((_, k) => (cut !== null && (k + 1) / bins > cut ? flagged : normal)),
            barPercentage: 1,
            categoryPercentage: 0.95,
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => `suspicion score ${items[0].label}`,
              label: (item) => `${item.raw} samples`,
            },
          },
        },
        scales: {
          x: {
            ticks: { color: text, maxRotation: 0, autoSkip: true, maxTicksLimit: 6 },
            grid: { display: false },
            title: { display: true, text: 'suspicion score (mean rank percentile; not a probability)', color: text },
          },
          y: {
            ticks: { color: text },
            grid: { color: grid },
            title: { display: true, text: 'training samples', color: text },
          },
        },
      },
      plugins: [cutLine],
    } as ChartConfiguration;
  }
}

/**
 * Predicted against actual change of a test loss when one training sample
 * is removed and the model retrained; points on y = x are perfect.
 * @tag il-scatter
 */
export class IlScatter extends ChartElement {
  static override properties = { pairs: { attribute: false } };
  declare pairs: { predicted: number; actual: number }[];

  constructor() {
    super();
    this.pairs = [];
  }

  protected label(): string {
    return `Scatter plot of ${this.pairs.length} (predicted, actual) changes of test loss`;
  }

  protected config(): ChartConfiguration {
    const { text, grid } = this.axisColors();
    const point = themeColor(this, '--vscode-charts-blue', '#3794ff');
    const diagonal = themeColor(this, '--vscode-descriptionForeground', '#888');
    const values = this.pairs.flatMap((p) => [p.predicted, p.actual]);
    const lo = values.length ? Math.min(...values) : 0;
    const hi = values.length ? Math.max(...values) : 1;
    return {
      type: 'scatter',
      data: {
        datasets: [
          {
            label: 'removed sample × test sample',
            data: this.pairs.map((p) => ({ x: p.predicted, y: p.actual })),
            backgroundColor: point,
            pointRadius: 3,
          },
          {
            type: 'line',
            label: 'y = x',
            data: [
              { x: lo, y: lo },
              { x: hi, y: hi },
            ],
            borderColor: diagonal,
            borderDash: [4, 3],
            pointRadius: 0,
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: {
            type: 'linear',
            ticks: { color: text },
            grid: { color: grid },
            title: { display: true, text: 'predicted change of test loss', color: text },
          },
          y: {
            ticks: { color: text },
            grid: { color: grid },
            title: { display: true, text: 'actual change (retrained)', color: text },
          },
        },
      },
    } as ChartConfiguration;
  }
}

customElements.define('il-histogram', IlHistogram);
customElements.define('il-scatter', IlScatter);

declare global {
  interface HTMLElementTagNameMap {
    'il-histogram': IlHistogram;
    'il-scatter': IlScatter;
  }
}
