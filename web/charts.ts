import uPlot from 'uplot';
import { h } from './dom.js';

/**
 * Charts on uPlot: lines over time or over steps, with the annotations a load test needs drawn by a
 * uPlot plugin: vertical markers (step boundaries, the knee) and horizontal lines (the SLO). Marker
 * labels are DOM elements over the plot, so that they stay crisp and can be found by tests.
 */

export const COLORS = {
  rps: '#2563eb',
  users: '#6b7280',
  p50: '#16a34a',
  p90: '#0891b2',
  p95: '#ea580c',
  p99: '#dc2626',
  p999: '#7c3aed',
  max: '#111827',
  errors: '#dc2626',
  planned: '#9ca3af',
  good: '#16a34a',
  bad: '#dc2626',
  slo: '#b91c1c',
  knee: '#b91c1c',
  step: '#9ca3af',
} as const;

export interface SeriesSpec {
  label: string;
  color: string;
  /** 'y' (left axis, the default) or 'y2' (right axis). */
  scale?: 'y' | 'y2';
  dash?: number[];
  /** Points only, no line (e.g. the steps that met or broke the SLO). */
  pointsOnly?: boolean;
  format?: (value: number) => string;
}

export interface VerticalMarker {
  x: number;
  label: string;
  kind: 'step' | 'knee' | 'last-good';
}

export interface HorizontalLine {
  y: number;
  label: string;
  scale?: 'y' | 'y2';
}

export interface ChartSpec {
  /** A CSS class naming the chart (tests and styles find it by this). */
  name: string;
  title: string;
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  series: SeriesSpec[];
  /** Tick and legend text of x values (e.g. seconds as m:ss, or a step index as its users). */
  xFormat: (value: number) => string;
  /** A fixed x range (e.g. the run's planned length, so that a live chart fills as time passes). */
  xRange?: [number, number];
  /** Step charts: x is the step index; ticks at whole steps only. */
  discreteX?: boolean;
  yFormat?: (value: number) => string;
  markers?: VerticalMarker[];
  lines?: HorizontalLine[];
  height?: number;
}

export type ChartData = [number[], ...Array<Array<number | null>>];

function markersPlugin(spec: ChartSpec): uPlot.Plugin {
  let labels: HTMLElement;
  return {
    hooks: {
      init: (chart: uPlot) => {
        labels = h('div', { class: 'marker-labels' });
        chart.over.appendChild(labels);
      },
      draw: (chart: uPlot) => {
        const ctx = chart.ctx;
        const { left, top, width, height } = chart.bbox;
        const ratio = window.devicePixelRatio || 1;
        labels.replaceChildren();
        ctx.save();
        let stepLabels = 0;
        for (const marker of spec.markers ?? []) {
          const x = chart.valToPos(marker.x, 'x', true);
          if (!Number.isFinite(x) || x < left - 1 || x > left + width + 1) continue;
          ctx.strokeStyle = marker.kind === 'step' ? COLORS.step : marker.kind === 'knee' ? COLORS.knee : COLORS.good;
          ctx.lineWidth = (marker.kind === 'step' ? 1 : 2) * ratio;
          ctx.setLineDash(marker.kind === 'step' ? [4 * ratio, 4 * ratio] : marker.kind === 'knee' ? [] : [6 * ratio, 3 * ratio]);
          ctx.beginPath();
          ctx.moveTo(Math.round(x), top);
          ctx.lineTo(Math.round(x), top + height);
          ctx.stroke();
          const label = h('div', { class: `marker-label marker-${marker.kind}`, title: marker.label }, marker.label);
          label.style.left = `${chart.valToPos(marker.x, 'x')}px`;
          // Neighbouring step labels alternate between two rows so that short steps stay readable.
          if (marker.kind === 'step') label.style.top = `${2 + (stepLabels++ % 2) * 14}px`;
          labels.appendChild(label);
        }
        for (const line of spec.lines ?? []) {
          const scale = line.scale ?? 'y';
          const y = chart.valToPos(line.y, scale, true);
          if (!Number.isFinite(y) || y < top - 1 || y > top + height + 1) continue;
          ctx.strokeStyle = COLORS.slo;
          ctx.lineWidth = 1.5 * ratio;
          ctx.setLineDash([8 * ratio, 4 * ratio]);
          ctx.beginPath();
          ctx.moveTo(left, Math.round(y));
          ctx.lineTo(left + width, Math.round(y));
          ctx.stroke();
          const label = h('div', { class: 'marker-label marker-slo' }, line.label);
          label.style.top = `${chart.valToPos(line.y, scale)}px`;
          labels.appendChild(label);
        }
        ctx.restore();
      },
    },
  };
}

/**
 * The y range: from zero, with room for the data and for every horizontal line (the SLO stays in
 * view), and headroom above the data for the marker labels, which sit at the top of the plot.
 */
function yRange(lines: HorizontalLine[], scale: 'y' | 'y2', headroom: number): uPlot.Range.Function {
  return (_chart, _min, max) => {
    const top = Math.max(max ?? 0, ...lines.filter((line) => (line.scale ?? 'y') === scale).map((line) => line.y));
    return [0, top > 0 ? top * headroom : 1];
  };
}

export class Chart {
  readonly element: HTMLElement;
  private readonly plot: uPlot;
  private readonly resize: ResizeObserver;

  constructor(parent: HTMLElement, readonly spec: ChartSpec, data: ChartData) {
    this.element = h('figure', { class: `chart ${spec.name}`, 'data-points': data[0].length });
    parent.appendChild(this.element);
    const lines = spec.lines ?? [];
    const yFormat = spec.yFormat ?? ((value: number) => String(+value.toFixed(2)));
    const hasY2 = spec.series.some((series) => series.scale === 'y2');
    const headroom = (spec.markers ?? []).length > 0 ? 1.4 : 1.1;
    const options: uPlot.Options = {
      title: spec.title,
      width: Math.max(320, this.element.clientWidth || parent.clientWidth || 600),
      height: spec.height ?? 240,
      scales: {
        x: { time: false, ...(spec.xRange ? { range: spec.xRange } : spec.discreteX ? { range: (_u, min, max) => [min - 0.5, max + 0.5] } : {}) },
        y: { range: yRange(lines, 'y', headroom) },
        ...(hasY2 ? { y2: { range: yRange(lines, 'y2', headroom) } } : {}),
      },
      axes: [
        {
          label: spec.xLabel,
          values: (_chart, splits) => splits.map((value) => spec.xFormat(value)),
          ...(spec.discreteX ? { splits: (chart: uPlot) => (chart.data[0] as number[]).slice() } : {}),
        },
        { label: spec.yLabel, scale: 'y', values: (_chart, splits) => splits.map(yFormat), size: 60 },
        ...(hasY2 ? [{ label: spec.y2Label ?? '', scale: 'y2', side: 1, grid: { show: false }, size: 60 } satisfies uPlot.Axis] : []),
      ],
      series: [
        { label: spec.xLabel, value: (_chart, value) => (value === null || value === undefined ? '–' : spec.xFormat(value)) },
        ...spec.series.map(
          (series): uPlot.Series => ({
            label: series.label,
            stroke: series.color,
            width: series.pointsOnly ? 0 : 2,
            scale: series.scale ?? 'y',
            ...(series.dash ? { dash: series.dash } : {}),
            ...(series.pointsOnly ? { paths: () => null, points: { show: true, size: 10, fill: series.color, stroke: series.color } } : {}),
            value: (_chart, value) => (value === null || value === undefined ? '–' : (series.format ?? yFormat)(value)),
            spanGaps: false,
          }),
        ),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      plugins: [markersPlugin(spec)],
    };
    this.plot = new uPlot(options, data as uPlot.AlignedData, this.element);
    this.resize = new ResizeObserver(() => {
      const width = Math.max(320, this.element.clientWidth);
      if (Math.abs(width - this.plot.width) > 4) this.plot.setSize({ width, height: this.plot.height });
    });
    this.resize.observe(this.element);
  }

  /** New data (a live chart's growing timeline); the markers are redrawn with it. */
  update(data: ChartData): void {
    this.element.dataset.points = String(data[0].length);
    // Scales are re-fitted to the data (the x range stays fixed when the spec gives one).
    this.plot.setData(data as uPlot.AlignedData);
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot.destroy();
    this.element.remove();
  }
}
