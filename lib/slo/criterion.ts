import type { LatencySummary } from '../report/report-types.js';

/**
 * A pass/fail criterion such as `p95<1s`, `p(99)<=800ms`, `errors<1%` or `rps>=2000`:
 * used for the SLO (per step, to find the knee) and for k6-style thresholds (on the totals).
 * Several criteria joined with `,` or `&&` must all hold.
 */
export type Metric = 'min' | 'mean' | 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max' | 'errors' | 'rps';
export type Operator = '<' | '<=' | '>' | '>=';

export interface Criterion {
  metric: Metric;
  op: Operator;
  /** Latency in milliseconds, errors as a fraction (0.01 = 1 %), rps as requests per second. */
  value: number;
  text: string;
}

export interface MeasuredStats {
  requests: number;
  errors: number;
  /** Errors that are not the target's (cut requests, the generator's own limits): not held against it. */
  generatorErrors?: number;
  rps: number;
  latency: LatencySummary;
}

const METRIC_ALIASES: Record<string, Metric> = {
  min: 'min', mean: 'mean', avg: 'mean', med: 'p50', median: 'p50',
  p50: 'p50', p90: 'p90', p95: 'p95', p99: 'p99', p999: 'p999', 'p99.9': 'p999', max: 'max',
  errors: 'errors', error_rate: 'errors', errorrate: 'errors', http_req_failed: 'errors',
  rps: 'rps', throughput: 'rps',
};

const CRITERION_PATTERN = /^\s*([a-z][a-z0-9_.]*?|p\(\s*[\d.]+\s*\))\s*(<=|>=|<|>)\s*([\d.]+)\s*(us|µs|ms|s|%)?\s*$/i;

export class CriterionSyntaxError extends Error {}

function normaliseMetric(raw: string): Metric | undefined {
  const lower = raw.toLowerCase().replace(/\s+/g, '');
  const k6 = /^p\(([\d.]+)\)$/.exec(lower);
  const key = k6 ? `p${k6[1]!.replace(/^99\.9$/, '999')}` : lower;
  return METRIC_ALIASES[key];
}

function scaleValue(metric: Metric, value: number, unit: string | undefined, text: string): number {
  if (metric === 'errors') {
    if (unit === '%') return value / 100;
    if (unit === undefined && value <= 1) return value;
    throw new CriterionSyntaxError(`"${text}": write the error rate as a percentage (errors<1%) or a fraction (errors<0.01)`);
  }
  if (metric === 'rps') {
    if (unit !== undefined) throw new CriterionSyntaxError(`"${text}": rps takes a plain number (rps>=1000)`);
    return value;
  }
  switch (unit) {
    case undefined:
    case 'ms':
      return value;
    case 's':
      return value * 1000;
    case 'us':
    case 'µs':
      return value / 1000;
    default:
      throw new CriterionSyntaxError(`"${text}": latency takes us, ms or s, not ${unit}`);
  }
}

export function parseCriteria(expression: string): Criterion[] {
  const parts = expression.split(/,|&&/).map((part) => part.trim()).filter((part) => part.length > 0);
  if (parts.length === 0) throw new CriterionSyntaxError('empty expression; expected e.g. p95<1s or errors<1%');
  return parts.map((text) => {
    const match = CRITERION_PATTERN.exec(text);
    if (!match) throw new CriterionSyntaxError(`"${text}" is not a criterion; expected e.g. p95<1s, p(99)<800ms, errors<1%, rps>=500`);
    const metric = normaliseMetric(match[1]!);
    if (!metric) {
      throw new CriterionSyntaxError(`"${text}": unknown metric ${match[1]}; use min, mean, p50, p90, p95, p99, p99.9, max, errors or rps`);
    }
    return { metric, op: match[2] as Operator, value: scaleValue(metric, Number(match[3]), match[4], text), text };
  });
}

export function measure(metric: Metric, stats: MeasuredStats): number {
  switch (metric) {
    case 'errors':
      return stats.requests === 0 ? 0 : (stats.errors - (stats.generatorErrors ?? 0)) / stats.requests;
    case 'rps':
      return stats.rps;
    default:
      return stats.latency[metric];
  }
}

export function holds(criterion: Criterion, stats: MeasuredStats): boolean {
  // A step or run with no completed request has no latency to judge: it cannot pass.
  if (stats.requests === 0) return false;
  const actual = measure(criterion.metric, stats);
  switch (criterion.op) {
    case '<':
      return actual < criterion.value;
    case '<=':
      return actual <= criterion.value;
    case '>':
      return actual > criterion.value;
    case '>=':
      return actual >= criterion.value;
  }
}
