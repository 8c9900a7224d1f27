import type { LiveErrorRow, LiveRequestRow } from '../lib/progress/live-tables.js';
import { parseCriteria, type Criterion } from '../lib/slo/criterion.js';
import type { LivePlan, LiveRunView, LiveTimelinePoint } from '../lib/ui/ui-api.js';
import { api } from './api.js';
import { Chart, COLORS, type ChartData } from './charts.js';
import { h, section, table } from './dom.js';
import { formatClock, formatCount, formatMs, formatPercent, formatRate } from './format.js';
import { levelText, renderReport, sloLines, stepMarkers } from './report-view.js';

const POLL_MS = 1000;
/** Timeline intervals re-read on every poll: a worker's interval can arrive a little late. */
const REREAD_INTERVALS = 3;

/**
 * A run as it happens, Locust-style: live charts of throughput, response times, users and errors
 * with the step boundaries marked, per-request-name and error tables, a Stop button, and the
 * report once the run has ended.
 */
export class LivePanel {
  readonly element: HTMLElement;
  private readonly points = new Map<number, LiveTimelinePoint>();
  private readonly title = h('h2', {}, 'Run');
  private readonly statePill = h('span', { class: 'badge live-status status-running', 'data-state': 'running' }, 'starting');
  private readonly progressText = h('span', { class: 'progress-text' });
  private readonly progressBar = h('div', { style: 'width: 0%' });
  private readonly stopButton = h('button', { type: 'button', class: 'danger stop', onclick: () => void this.stop() }, 'Stop');
  private readonly tiles = h('div', { class: 'tiles' });
  private readonly chartArea = h('div', { class: 'charts live-charts' });
  private readonly requestTable = h('div', { class: 'live-requests' });
  private readonly errorTable = h('div', { class: 'live-errors' });
  private readonly logView = h('pre', { class: 'log' });
  private readonly reportArea = h('div', { class: 'finished-report' });
  private charts: Array<{ chart: Chart; data: (points: LiveTimelinePoint[]) => ChartData }> = [];
  private timer: number | undefined;
  private ended = false;

  constructor(
    readonly runId: string,
    private readonly onEnded: (runId: string) => void,
  ) {
    this.element = h(
      'div',
      { class: 'live', 'data-run-id': runId },
      h(
        'section',
        { class: 'live-run' },
        h('div', { class: 'live-header' }, this.title, this.statePill, this.progressText, h('span', { class: 'spacer' }), this.stopButton),
        h('div', { class: 'progress-bar' }, this.progressBar),
        this.tiles,
        this.chartArea,
        this.logView,
      ),
      section('Requests by name (live)', { class: 'live-requests-section' }, this.requestTable),
      section('Errors by type (live)', { class: 'live-errors-section' }, this.errorTable),
      this.reportArea,
    );
  }

  start(): void {
    void this.poll();
  }

  dispose(): void {
    this.ended = true;
    if (this.timer !== undefined) window.clearTimeout(this.timer);
    for (const { chart } of this.charts) chart.destroy();
  }

  private async stop(): Promise<void> {
    this.stopButton.disabled = true;
    this.stopButton.textContent = 'Stopping…';
    try {
      await api.stop(this.runId);
    } catch (error) {
      this.stopButton.textContent = `Stop failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private async poll(): Promise<void> {
    if (this.ended) return;
    try {
      const latest = Math.max(-1, ...this.points.keys());
      const since = Math.max(0, latest - REREAD_INTERVALS + 1);
      const view = await api.live(this.runId, since);
      this.show(view);
      if (view.state === 'finished' || view.state === 'crashed') {
        await this.finish(view);
        return;
      }
    } catch (error) {
      this.logView.textContent = `polling failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.timer = window.setTimeout(() => void this.poll(), POLL_MS);
  }

  private show(view: LiveRunView): void {
    const plan = view.plan;
    this.title.textContent = `Run ${plan.runId}`;
    const label = view.state === 'finished' ? (view.status ?? 'finished') : view.state;
    this.statePill.textContent = label;
    this.statePill.className = `badge live-status status-${label}`;
    this.statePill.dataset.state = view.state;
    if (view.status) this.statePill.dataset.status = view.status;
    const step = plan.steps[view.step];
    this.progressText.textContent =
      plan.steps.length === 0
        ? 'planning…'
        : `step ${view.step + 1}/${plan.steps.length}${step ? ` (${levelText(step)})` : ''} · ${formatClock(view.elapsedS)} / ${formatClock(plan.totalS)} · ${plan.target}`;
    this.progressBar.style.width = `${plan.totalS === 0 ? 0 : Math.min(100, (100 * view.elapsedS) / plan.totalS)}%`;
    if (view.state !== 'running') this.stopButton.disabled = true;
    if (view.state === 'stopping') this.stopButton.textContent = 'Stopping…';

    for (const point of view.timeline) this.points.set(Math.round(point.t / plan.intervalS), point);
    const points = [...this.points.entries()].sort(([a], [b]) => a - b).map(([, point]) => point);
    const last = points[points.length - 1];
    const tile = (labelText: string, value: string, name: string) =>
      h('div', { class: `tile tile-${name}` }, h('div', { class: 'tile-value' }, value), h('div', { class: 'tile-label' }, labelText));
    this.tiles.replaceChildren(
      tile(plan.model === 'open' ? 'in flight' : 'users', formatCount(last?.users ?? 0), 'users'),
      tile('req/s', formatRate(last?.rps ?? 0), 'rps'),
      tile('p50', last?.p50 == null ? '–' : formatMs(last.p50), 'p50'),
      tile('p95', last?.p95 == null ? '–' : formatMs(last.p95), 'p95'),
      tile('requests', formatCount(view.requests), 'requests'),
      tile('errors', formatPercent(view.requests === 0 ? 0 : view.errors / view.requests), 'errors'),
    );
    if (this.charts.length === 0 && plan.steps.length > 0) this.createCharts(plan);
    for (const { chart, data } of this.charts) chart.update(data(points));
    const later = h('p', { class: 'empty' }, 'This platform has no live per-name and error tables: they come with the report when the run ends.');
    this.requestTable.replaceChildren(view.liveTables ? requestsTable(view.requestRows) : later);
    this.errorTable.replaceChildren(view.liveTables ? errorsTable(view.errorRows) : later.cloneNode(true));
    this.logView.textContent = view.log.join('\n');
    this.logView.hidden = view.log.length === 0;
  }

  private createCharts(plan: LivePlan): void {
    let criteria: Criterion[] = [];
    try {
      criteria = plan.slo ? parseCriteria(plan.slo) : [];
    } catch {
      // The server validated it; a page never fails on it.
    }
    const markers = stepMarkers(plan.steps, undefined);
    const xRange: [number, number] = [0, Math.max(plan.totalS, plan.intervalS)];
    const time = (points: LiveTimelinePoint[]) => points.map((point) => point.t);
    const add = (chart: Chart, data: (points: LiveTimelinePoint[]) => ChartData) => this.charts.push({ chart, data });
    const common = { xLabel: 'time', xFormat: formatClock, xRange, markers };
    add(
      new Chart(this.chartArea, { ...common, name: 'chart-live-rps', title: 'Requests per second', yLabel: 'req/s', series: [{ label: 'req/s', color: COLORS.rps, format: formatRate }], lines: sloLines(criteria, ['rps']) }, [[], []]),
      (points) => [time(points), points.map((point) => point.rps)],
    );
    add(
      new Chart(
        this.chartArea,
        {
          ...common,
          name: 'chart-live-latency',
          title: 'Response times',
          yLabel: 'ms',
          lines: sloLines(criteria, ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max']),
          series: [
            { label: 'p50', color: COLORS.p50, format: formatMs },
            { label: 'p95', color: COLORS.p95, format: formatMs },
            { label: 'p99', color: COLORS.p99, format: formatMs },
          ],
        },
        [[], [], [], []],
      ),
      (points) => [time(points), points.map((point) => point.p50), points.map((point) => point.p95), points.map((point) => point.p99)],
    );
    add(
      new Chart(this.chartArea, { ...common, name: 'chart-live-users', title: plan.model === 'open' ? 'Requests in flight' : 'Active users', yLabel: plan.model === 'open' ? 'in flight' : 'users', series: [{ label: plan.model === 'open' ? 'in flight' : 'users', color: COLORS.users, format: formatCount }] }, [[], []]),
      (points) => [time(points), points.map((point) => point.users)],
    );
    add(
      new Chart(this.chartArea, { ...common, name: 'chart-live-errors', title: 'Errors per second', yLabel: 'errors/s', series: [{ label: 'errors/s', color: COLORS.errors, format: formatRate }] }, [[], []]),
      (points) => [time(points), points.map((point) => point.errors / plan.intervalS)],
    );
  }

  private async finish(view: LiveRunView): Promise<void> {
    this.ended = true;
    this.stopButton.hidden = true;
    if (view.state === 'crashed') {
      this.reportArea.replaceChildren(h('section', { class: 'crashed' }, h('h2', {}, 'The run failed'), h('pre', {}, view.error ?? 'unknown error')));
    } else {
      await showReport(this.reportArea, this.runId);
    }
    this.onEnded(this.runId);
  }
}

/** A finished run's report, under the live view or on its own. */
export async function showReport(container: HTMLElement, runId: string): Promise<void> {
  try {
    const report = await api.report(runId);
    const root = h('div', { class: 'report-view', 'data-run-id': runId });
    container.replaceChildren(root);
    renderReport(root, report, {
      links: [
        { href: api.reportHtmlHref(runId), text: 'report.html' },
        { href: `/api/runs/${encodeURIComponent(runId)}/report`, text: 'report.json' },
      ],
    });
  } catch (error) {
    container.replaceChildren(h('p', { class: 'empty' }, `No report for ${runId}: ${error instanceof Error ? error.message : String(error)}`));
  }
}

function requestsTable(rows: LiveRequestRow[]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, 'No requests yet.');
  return table(
    [
      { title: 'name', cell: (row) => row.name },
      { title: 'requests', cell: (row) => formatCount(row.requests), numeric: true },
      { title: 'errors', cell: (row) => formatCount(row.errors), numeric: true },
      { title: 'error rate', cell: (row) => formatPercent(row.requests === 0 ? 0 : row.errors / row.requests), numeric: true },
      { title: 'avg req/s', cell: (row) => formatRate(row.rps), numeric: true },
      { title: 'p50', cell: (row) => formatMs(row.latency.p50), numeric: true },
      { title: 'p95', cell: (row) => formatMs(row.latency.p95), numeric: true },
      { title: 'p99', cell: (row) => formatMs(row.latency.p99), numeric: true },
      { title: 'max', cell: (row) => formatMs(row.latency.max), numeric: true },
    ],
    rows,
    { class: 'live-requests-table' },
  );
}

function errorsTable(rows: LiveErrorRow[]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, 'No errors yet.');
  return table(
    [
      { title: 'type', cell: (row) => row.type },
      { title: 'count', cell: (row) => formatCount(row.count), numeric: true },
      { title: 'messages', cell: (row) => row.messages.map((entry) => `${entry.message} (×${formatCount(entry.count)})`).join('; ') },
    ],
    rows,
    { class: 'live-errors-table' },
  );
}
