import type { Report, StepReport } from './report-types.js';

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const percent = (rate: number) => `${(rate * 100).toFixed(2)}%`;

function level(step: StepReport): string {
  return step.users !== undefined ? `${step.users} users` : `${step.rate} req/s`;
}

export function describeStep(step: StepReport): string {
  return `step ${step.index + 1} (${level(step)}): ${step.rps.toFixed(0)} req/s, p95 ${ms(step.latency.p95)} ms, errors ${percent(step.errorRate)}`;
}

/** The end-of-run summary: per-step table, totals, the knee under the SLO, thresholds, warnings. */
export function formatSummary(report: Report, reportPath?: string): string {
  const open = report.run.plan.model === 'open';
  const header = ['step', open ? 'rate' : 'users', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'slices'];
  if (open) header.push('late', 'dropped');
  if (report.slo) header.push('SLO');
  const rows = report.steps.map((step) => {
    const row = [
      String(step.index + 1),
      String(step.users ?? step.rate),
      step.rps.toFixed(1),
      ms(step.latency.p50),
      ms(step.latency.p95),
      ms(step.latency.p99),
      ms(step.latency.max),
      percent(step.errorRate),
      `${step.completeness.received}/${step.completeness.expected}`,
    ];
    if (open) row.push(String(step.open?.late ?? 0), String(step.open?.dropped ?? 0));
    if (report.slo) row.push(!step.judged ? 'not judged' : step.sloPassed === undefined ? '–' : step.sloPassed ? 'ok' : 'BROKEN');
    return row;
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const render = (row: string[]) => '  ' + row.map((cell, column) => cell.padStart(widths[column]!)).join('  ');

  const totals = report.totals;
  const lines = [
    '',
    `fanout run ${report.run.id}: ${report.status.toUpperCase()} (${report.completeness.received}/${report.completeness.expected} slices)`,
    render(header),
    ...rows.map(render),
    '',
    `  total  ${totals.requests} requests, ${totals.rps.toFixed(1)} req/s, ${totals.errors - totals.generatorErrors} errors (${percent(totals.errorRate)})` +
      (totals.generatorErrors > 0 ? `, and ${totals.generatorErrors} not the target's (cut at a hand-off or stop, or the generator's own limits)` : ''),
    `  latency ms  min ${ms(totals.latency.min)}  mean ${ms(totals.latency.mean)}  p50 ${ms(totals.latency.p50)}  p90 ${ms(totals.latency.p90)}  ` +
      `p95 ${ms(totals.latency.p95)}  p99 ${ms(totals.latency.p99)}  p99.9 ${ms(totals.latency.p999)}  max ${ms(totals.latency.max)}`,
  ];
  if (totals.open) {
    lines.push(
      `  service time ms (uncorrected)  p50 ${ms(totals.open.serviceLatency.p50)}  p95 ${ms(totals.open.serviceLatency.p95)}  p99 ${ms(totals.open.serviceLatency.p99)}` +
        `  · sends scheduled ${totals.open.scheduled}, late ${totals.open.late}, dropped ${totals.open.dropped}`,
    );
  }
  if (report.warmUp) {
    const warmUp = report.warmUp;
    lines.push(
      `  warm-up  the first ${warmUp.perSliceS}s of each slice, measured apart and not in the steps: ${warmUp.requests} requests, ` +
        `${warmUp.errors} errors, p99 ${ms(warmUp.latency.p99)} ms (service p99 ${ms(warmUp.serviceLatency.p99)} ms)`,
    );
  }
  const codes = Object.entries(totals.statusCodes).map(([code, count]) => `${code}×${count}`).join(' ');
  if (codes) lines.push(`  status codes  ${codes}`);
  const errors = Object.entries(totals.errorsByType).map(([type, count]) => `${type}×${count}`).join(' ');
  if (errors) lines.push(`  errors  ${errors}`);
  for (const sample of totals.errorSamples.slice(0, 5)) lines.push(`    ${sample.count}× ${sample.type}: ${sample.message}`);
  if (report.requests.length > 1) {
    for (const request of report.requests) {
      lines.push(`  ${request.name}: ${request.requests} requests, p95 ${ms(request.latency.p95)} ms, errors ${percent(request.errorRate)}`);
    }
  }
  if (report.slo && report.knee) {
    const { lastGood, firstBad } = report.knee;
    if (firstBad) {
      lines.push(`  knee  SLO ${report.slo.expr} broken at ${describeStep(firstBad)}`);
      lines.push(lastGood ? `        last step within it: ${describeStep(lastGood)}` : '        no step met it');
    } else if (lastGood) {
      const ran = report.steps.filter((step) => step.completeness.received > 0).length;
      const scope = ran === report.steps.length ? 'every step' : `the ${ran} of ${report.steps.length} steps that ran`;
      lines.push(`  knee  not reached: ${scope} met SLO ${report.slo.expr} (highest: ${describeStep(lastGood)})`);
    }
  }
  for (const threshold of report.thresholds) {
    const actual = Object.entries(threshold.actual).map(([metric, value]) => `${metric}=${value}`).join(' ');
    lines.push(`  threshold ${threshold.expr}: ${threshold.passed ? 'passed' : 'FAILED'} (${actual})`);
  }
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`);
  if (reportPath) lines.push(`  report: ${reportPath}`);
  return lines.join('\n');
}
