import type { Report, StepReport } from '../lib/report/report-types.js';
import { parseCriteria, type Criterion } from '../lib/slo/criterion.js';
import { Chart, COLORS, type ChartData, type HorizontalLine, type VerticalMarker } from './charts.js';
import { h, section, table, type Child } from './dom.js';
import { formatClock, formatCount, formatMs, formatPercent, formatRate, formatSeconds, formatTime } from './format.js';

/**
 * A report as a page: the verdict first (status, completeness, SLO and knee), then charts over
 * time and per step, then the tables. Used by report.html and by the live UI for finished runs.
 */

type LatencyMetric = 'min' | 'mean' | 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max';
const LATENCY_METRICS: readonly string[] = ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'];
const METRIC_NAMES: Record<LatencyMetric, string> = { min: 'min', mean: 'mean', p50: 'p50', p90: 'p90', p95: 'p95', p99: 'p99', p999: 'p99.9', max: 'max' };

const STATUS_EXPLAINED: Record<Report['status'], string> = {
  completed: 'every planned slice reported',
  partial: 'some slice results never arrived: the numbers cover what did',
  aborted: 'stopped before the planned end: the numbers cover what ran',
  failed: 'no slice result arrived',
};

function isLatency(criterion: Criterion): criterion is Criterion & { metric: LatencyMetric } {
  return LATENCY_METRICS.includes(criterion.metric);
}

function sloCriteria(report: Report): Criterion[] {
  if (!report.slo) return [];
  try {
    return parseCriteria(report.slo.expr);
  } catch {
    return [];
  }
}

function levelOf(step: { users?: number; rate?: number }): number {
  return step.users ?? step.rate ?? 0;
}

export function levelText(step: { users?: number; rate?: number }): string {
  return step.users !== undefined ? `${formatCount(step.users)} users` : `${formatRate(step.rate ?? 0)} req/s`;
}

function stepSummary(step: StepReport, metric: LatencyMetric): string {
  return `step ${step.index + 1} (${levelText(step)}, ${formatRate(step.rps)} req/s, ${METRIC_NAMES[metric]} ${formatMs(step.latency[metric])})`;
}

/** The verdict as one sentence per fact. */
function verdict(report: Report, metric: LatencyMetric): HTMLElement {
  const { completeness } = report;
  const share = completeness.expected === 0 ? 0 : completeness.received / completeness.expected;
  const facts: Child[] = [
    h(
      'div',
      { class: 'fact' },
      h('span', { class: `badge status status-${report.status}`, 'data-status': report.status }, report.status),
      ` ${STATUS_EXPLAINED[report.status]}`,
    ),
    h(
      'div',
      { class: 'fact completeness' },
      h('strong', {}, 'Completeness '),
      `${formatCount(completeness.received)} of ${formatCount(completeness.expected)} slice results (${formatPercent(share)})`,
    ),
  ];
  if (report.slo) {
    const { lastGood, firstBad } = report.knee ?? { lastGood: null, firstBad: null };
    const held = report.slo.passed;
    let sloText: string;
    if (held) sloText = `held at every step`;
    else if (firstBad) sloText = `broken at ${stepSummary(firstBad, metric)}`;
    else sloText = 'not shown: the run did not complete every step';
    facts.push(
      h(
        'div',
        { class: 'fact slo-verdict' },
        h('span', { class: `badge ${held ? 'pass' : 'fail'}` }, held ? 'SLO met' : 'SLO not met'),
        ` ${report.slo.expr} ${sloText}`,
      ),
    );
    const kneeText = firstBad
      ? `the knee lies between ${lastGood ? stepSummary(lastGood, metric) : 'the start (no step met the SLO)'} and ${stepSummary(firstBad, metric)}`
      : lastGood
        ? `no knee within the steps that ran: the last, ${stepSummary(lastGood, metric)}, still met the SLO`
        : 'no step ran to judge';
    facts.push(h('div', { class: 'fact knee-verdict', 'data-knee-step': firstBad ? firstBad.index + 1 : undefined }, h('strong', {}, 'Knee '), kneeText));
  } else {
    facts.push(h('div', { class: 'fact' }, 'No SLO was given (--slo "p95<1s"): no knee is named.'));
  }
  for (const threshold of report.thresholds) {
    facts.push(
      h(
        'div',
        { class: 'fact threshold' },
        h('span', { class: `badge ${threshold.passed ? 'pass' : 'fail'}` }, threshold.passed ? 'threshold met' : 'threshold broken'),
        ` ${threshold.expr} (measured ${Object.entries(threshold.actual)
          .map(([name, value]) => `${name} ${name === 'errors' ? formatPercent(value) : name === 'rps' ? formatRate(value) : formatMs(value)}`)
          .join(', ')})`,
      ),
    );
  }
  return h('section', { class: 'verdict' }, ...facts);
}

function tiles(report: Report): HTMLElement {
  const totals = report.totals;
  const tile = (label: string, value: string, name: string) => h('div', { class: `tile tile-${name}` }, h('div', { class: 'tile-value' }, value), h('div', { class: 'tile-label' }, label));
  return h(
    'section',
    { class: 'tiles' },
    tile('requests', formatCount(totals.requests), 'requests'),
    tile('req/s', formatRate(totals.rps), 'rps'),
    tile('errors', formatPercent(totals.errorRate), 'errors'),
    tile('p50', formatMs(totals.latency.p50), 'p50'),
    tile('p95', formatMs(totals.latency.p95), 'p95'),
    tile('p99', formatMs(totals.latency.p99), 'p99'),
    tile('max', formatMs(totals.latency.max), 'max'),
  );
}

/** Step boundaries on the time axis, the knee's step named. */
export function stepMarkers(steps: Array<{ index: number; users?: number; rate?: number; startS: number }>, kneeIndex: number | undefined): VerticalMarker[] {
  return steps
    .filter((step) => step.index > 0 || step.index === kneeIndex)
    .map((step) => ({
      x: step.startS,
      kind: step.index === kneeIndex ? 'knee' : 'step',
      label: `${step.index === kneeIndex ? 'knee · ' : ''}${levelText(step)}`,
    }));
}

export function sloLines(criteria: Criterion[], metrics: readonly string[]): HorizontalLine[] {
  return criteria.filter((criterion) => metrics.includes(criterion.metric)).map((criterion) => ({ y: criterion.value, label: `SLO ${criterion.text}` }));
}

function overTime(report: Report, criteria: Criterion[], kneeIndex: number | undefined): HTMLElement {
  const body = h('div', { class: 'charts' });
  const container = section('Over time', { class: 'over-time' }, body);
  const timeline = report.timeline;
  if (timeline.length === 0) {
    body.append(h('p', {}, 'No timeline: nothing was measured.'));
    return container;
  }
  const plan = report.run.plan;
  const interval = plan.timelineIntervalS;
  let start = 0;
  const steps = plan.steps.map((step) => {
    const placed = { ...step, startS: start };
    start += step.durationS;
    return placed;
  });
  const markers = stepMarkers(steps, kneeIndex);
  const t = timeline.map((point) => point.t);
  const open = plan.model === 'open';
  // Drawn after the section is in the document, so that the charts know their width.
  queueMicrotask(() => {
    new Chart(body, { name: 'chart-throughput', title: `Throughput and ${open ? 'requests in flight' : 'users'}`, xLabel: 'time', yLabel: 'req/s', y2Label: open ? 'in flight' : 'users', xFormat: formatClock, markers, series: [
      { label: 'req/s', color: COLORS.rps },
      { label: open ? 'in flight' : 'users', color: COLORS.users, scale: 'y2', dash: [6, 3] },
    ] }, [t, timeline.map((point) => point.rps), timeline.map((point) => point.users)]);
    new Chart(body, { name: 'chart-latency', title: 'Response time', xLabel: 'time', yLabel: 'ms', xFormat: formatClock, yFormat: (value) => String(+value.toFixed(1)), markers, lines: sloLines(criteria, ['p50', 'p95', 'p99', 'p90', 'p999', 'max', 'mean', 'min']), series: [
      { label: 'p50', color: COLORS.p50, format: formatMs },
      { label: 'p95', color: COLORS.p95, format: formatMs },
      { label: 'p99', color: COLORS.p99, format: formatMs },
    ] }, [t, timeline.map((point) => point.p50), timeline.map((point) => point.p95), timeline.map((point) => point.p99)]);
    new Chart(body, { name: 'chart-errors', title: 'Errors per second', xLabel: 'time', yLabel: 'errors/s', xFormat: formatClock, markers, series: [{ label: 'errors/s', color: COLORS.errors }] }, [
      t,
      timeline.map((point) => point.errors / interval),
    ]);
  });
  return container;
}

function perStep(report: Report, criteria: Criterion[], metric: LatencyMetric): HTMLElement {
  const body = h('div', { class: 'charts' });
  const container = section('Per step', { class: 'per-step' }, body);
  const steps = report.steps;
  if (steps.length === 0 || steps.every((step) => step.completeness.received === 0)) {
    body.append(h('p', {}, 'No step ran.'));
    return container;
  }
  const open = report.run.plan.model === 'open';
  const ran = (step: StepReport) => step.completeness.received > 0;
  const x = steps.map((step) => step.index);
  const xFormat = (index: number) => {
    const step = steps[Math.round(index)];
    return step && Math.abs(index - Math.round(index)) < 1e-6 ? formatCount(levelOf(step)) : '';
  };
  const xLabel = open ? 'planned req/s' : 'users';
  const value = (pick: (step: StepReport) => number) => steps.map((step) => (ran(step) ? pick(step) : null));
  const judged = (passed: boolean, pick: (step: StepReport) => number) => steps.map((step) => (ran(step) && step.sloPassed === passed ? pick(step) : null));
  const knee = report.knee;
  const markers: VerticalMarker[] = [];
  if (knee?.lastGood) markers.push({ x: knee.lastGood.index, kind: 'last-good', label: `last good: ${levelText(knee.lastGood)}` });
  if (knee?.firstBad) markers.push({ x: knee.firstBad.index, kind: 'knee', label: `knee: ${levelText(knee.firstBad)}` });
  const hasSlo = report.slo !== undefined;
  const verdictSeries = (pick: (step: StepReport) => number) =>
    hasSlo
      ? {
          series: [
            { label: 'met the SLO', color: COLORS.good, pointsOnly: true },
            { label: 'broke the SLO', color: COLORS.bad, pointsOnly: true },
          ],
          data: [judged(true, pick), judged(false, pick)],
        }
      : { series: [], data: [] };

  queueMicrotask(() => {
    const rps = verdictSeries((step) => step.rps);
    new Chart(
      body,
      { name: 'chart-rps-per-step', title: `Achieved throughput vs ${xLabel}`, xLabel, yLabel: 'req/s', xFormat, discreteX: true, markers, series: [
        { label: 'achieved req/s', color: COLORS.rps, format: formatRate },
        ...(open ? [{ label: 'planned req/s', color: COLORS.planned, dash: [6, 3], format: formatRate }] : []),
        ...rps.series,
      ] },
      [x, value((step) => step.rps), ...(open ? [steps.map((step) => step.rate ?? null)] : []), ...rps.data] as ChartData,
    );
    const latency = verdictSeries((step) => step.latency[metric]);
    new Chart(
      body,
      { name: 'chart-slo-per-step', title: `${METRIC_NAMES[metric]} vs ${xLabel}${report.slo ? `, SLO ${report.slo.expr}` : ''}`, xLabel, yLabel: 'ms', xFormat, discreteX: true, markers, lines: sloLines(criteria, [metric]), series: [
        { label: METRIC_NAMES[metric], color: COLORS.p95, format: formatMs },
        ...latency.series,
      ] },
      [x, value((step) => step.latency[metric]), ...latency.data] as ChartData,
    );
    new Chart(
      body,
      { name: 'chart-percentiles-per-step', title: `Latency percentiles per step`, xLabel, yLabel: 'ms', xFormat, discreteX: true, markers, series: [
        { label: 'p50', color: COLORS.p50, format: formatMs },
        { label: 'p90', color: COLORS.p90, format: formatMs },
        { label: 'p95', color: COLORS.p95, format: formatMs },
        { label: 'p99', color: COLORS.p99, format: formatMs },
        { label: 'p99.9', color: COLORS.p999, format: formatMs },
      ] },
      [x, value((s) => s.latency.p50), value((s) => s.latency.p90), value((s) => s.latency.p95), value((s) => s.latency.p99), value((s) => s.latency.p999)],
    );
    const percentiles = ['min', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;
    const service = report.totals.open?.serviceLatency;
    new Chart(
      body,
      { name: 'chart-distribution', title: 'Latency distribution, all requests', xLabel: 'percentile', yLabel: 'ms', discreteX: true, xFormat: (index) => (Number.isInteger(index) ? (METRIC_NAMES[percentiles[index] ?? 'max'] ?? '') : ''), series: [
        { label: open ? 'latency (from intended send)' : 'latency', color: COLORS.p95, format: formatMs },
        ...(service ? [{ label: 'service time (from actual send)', color: COLORS.p50, dash: [6, 3], format: formatMs }] : []),
      ] },
      [percentiles.map((_, index) => index), percentiles.map((name) => report.totals.latency[name]), ...(service ? [percentiles.map((name) => service[name])] : [])] as ChartData,
    );
  });
  return container;
}

function stepsTable(report: Report): HTMLElement {
  const open = report.run.plan.model === 'open';
  return section(
    'Steps: achieved vs planned',
    { class: 'steps' },
    table<StepReport>(
      [
        { title: 'step', cell: (step) => step.index + 1, numeric: true },
        { title: open ? 'planned req/s' : 'users', cell: (step) => formatCount(levelOf(step)), numeric: true },
        { title: 'achieved req/s', cell: (step) => formatRate(step.rps), numeric: true },
        { title: 'workers started / planned', cell: (step) => `${step.achieved.workersStarted} / ${step.planned.workers}`, numeric: true },
        { title: 'ran / planned', cell: (step) => `${formatSeconds(step.durationS)} / ${formatSeconds(step.planned.durationS)}`, numeric: true },
        { title: 'start lag mean / max', cell: (step) => `${formatMs(step.achieved.startLagMs.mean)} / ${formatMs(step.achieved.startLagMs.max)}`, numeric: true },
        { title: 'requests', cell: (step) => formatCount(step.requests), numeric: true },
        { title: 'p50', cell: (step) => formatMs(step.latency.p50), numeric: true },
        { title: 'p95', cell: (step) => formatMs(step.latency.p95), numeric: true },
        { title: 'p99', cell: (step) => formatMs(step.latency.p99), numeric: true },
        { title: 'max', cell: (step) => formatMs(step.latency.max), numeric: true },
        { title: 'errors', cell: (step) => formatPercent(step.errorRate), numeric: true },
        ...(open
          ? [
              { title: 'late / dropped', cell: (step: StepReport) => `${formatCount(step.open?.late ?? 0)} / ${formatCount(step.open?.dropped ?? 0)}`, numeric: true },
            ]
          : []),
        { title: 'slices', cell: (step) => `${step.completeness.received}/${step.completeness.expected}`, numeric: true },
        { title: 'saturated workers', cell: (step) => step.achieved.saturatedWorkers, numeric: true },
        ...(report.slo
          ? [
              {
                title: 'SLO',
                cell: (step: StepReport) =>
                  step.sloPassed === undefined ? '–' : h('span', { class: `badge ${step.sloPassed ? 'pass' : 'fail'}` }, step.sloPassed ? 'met' : 'broken'),
              },
            ]
          : []),
      ],
      report.steps,
      { class: 'steps-table' },
    ),
  );
}

function codes(statusCodes: Record<string, number>): string {
  return Object.entries(statusCodes)
    .map(([code, count]) => `${code}×${formatCount(count)}`)
    .join(' ');
}

function requestsTable(report: Report): HTMLElement {
  return section(
    'Requests by name',
    { class: 'requests' },
    table(
      [
        { title: 'name', cell: (row) => row.name },
        { title: 'requests', cell: (row) => formatCount(row.requests), numeric: true },
        { title: 'errors', cell: (row) => formatCount(row.errors), numeric: true },
        { title: 'error rate', cell: (row) => formatPercent(row.errorRate), numeric: true },
        { title: 'req/s', cell: (row) => formatRate(row.rps), numeric: true },
        { title: 'p50', cell: (row) => formatMs(row.latency.p50), numeric: true },
        { title: 'p95', cell: (row) => formatMs(row.latency.p95), numeric: true },
        { title: 'p99', cell: (row) => formatMs(row.latency.p99), numeric: true },
        { title: 'max', cell: (row) => formatMs(row.latency.max), numeric: true },
        { title: 'status codes', cell: (row) => codes(row.statusCodes) },
      ],
      report.requests,
      { class: 'requests-table' },
    ),
  );
}

function errorsSection(report: Report): HTMLElement {
  const totals = report.totals;
  const byType = Object.entries(totals.errorsByType).sort(([, a], [, b]) => b - a);
  return section(
    'Errors',
    { class: 'errors' },
    byType.length === 0
      ? h('p', {}, `No errors in ${formatCount(totals.requests)} requests.`)
      : table(
          [
            { title: 'type', cell: ([type]) => type },
            { title: 'count', cell: ([, count]) => formatCount(count), numeric: true },
            { title: 'share of requests', cell: ([, count]) => formatPercent(totals.requests === 0 ? 0 : count / totals.requests), numeric: true },
          ],
          byType,
          { class: 'errors-table' },
        ),
    totals.errorSamples.length === 0
      ? null
      : table(
          [
            { title: 'type', cell: (sample) => sample.type },
            { title: 'message', cell: (sample) => sample.message },
            { title: 'count', cell: (sample) => formatCount(sample.count), numeric: true },
          ],
          totals.errorSamples,
          { class: 'error-samples-table' },
        ),
    h('p', { class: 'status-codes' }, h('strong', {}, 'Status codes '), codes(totals.statusCodes) || 'none'),
  );
}

function planSection(report: Report): HTMLElement {
  const plan = report.run.plan;
  const rows: Array<[string, string]> = [
    ['model', plan.model === 'closed' ? 'closed (users)' : 'open (arrival rate)'],
    ['steps', plan.steps.map((step) => formatCount(levelOf(step))).join(', ')],
    ['step duration', formatSeconds(plan.stepDurationS)],
    ['slice duration', formatSeconds(plan.sliceDurationS)],
    ['total', formatSeconds(plan.totalDurationS)],
    ['workers per step', plan.steps.map((step) => step.workers).join(', ')],
    ['think time', plan.thinkTimeMs.min === plan.thinkTimeMs.max ? formatMs(plan.thinkTimeMs.min) : `${formatMs(plan.thinkTimeMs.min)}–${formatMs(plan.thinkTimeMs.max)}`],
    ['request timeout', formatMs(plan.timeoutMs)],
    ['requests', plan.requests.map((request) => `${request.name} (${request.method} ${request.path}, weight ${request.weight})`).join('; ')],
  ];
  if (plan.spawnRate !== undefined) rows.splice(3, 0, ['spawn rate', `${formatRate(plan.spawnRate)} users/s`]);
  return h(
    'details',
    { class: 'plan' },
    h('summary', {}, 'Plan'),
    table([{ title: 'setting', cell: (row) => row[0] }, { title: 'value', cell: (row) => row[1] }], rows),
  );
}

export interface ReportViewOptions {
  /** A link to the report's own files (the live UI links report.html and report.json). */
  links?: Array<{ href: string; text: string }>;
}

export function renderReport(root: HTMLElement, report: Report, options: ReportViewOptions = {}): void {
  const criteria = sloCriteria(report);
  const latencyCriterion = criteria.find(isLatency);
  const metric: LatencyMetric = latencyCriterion?.metric ?? 'p95';
  const kneeIndex = report.knee?.firstBad?.index;
  const run = report.run;
  const durationS = (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000;
  root.replaceChildren(
    h(
      'header',
      { class: 'report-header' },
      h('h1', {}, run.name),
      h(
        'p',
        { class: 'run-meta' },
        h('code', {}, run.id),
        ` · ${run.platform} · target `,
        h('code', {}, run.target),
        ` · ${formatTime(run.startedAt)} · ${Number.isFinite(durationS) ? formatSeconds(durationS) : ''}`,
        ...(options.links ?? []).flatMap((link) => [' · ', h('a', { href: link.href, target: '_blank', rel: 'noopener' }, link.text)]),
      ),
    ),
    verdict(report, metric),
    tiles(report),
    perStep(report, criteria, metric),
    overTime(report, criteria, kneeIndex),
    stepsTable(report),
    requestsTable(report),
    errorsSection(report),
    report.warnings.length === 0 ? '' : section('Warnings', { class: 'warnings' }, h('ul', {}, ...report.warnings.map((warning) => h('li', {}, warning)))),
    planSection(report),
    h('footer', {}, `fanout report · schema version ${report.schemaVersion}`),
  );
}
