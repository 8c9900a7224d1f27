import { summarize } from '../histogram/latency-histogram.js';
import type { MergedStats, TimelinePoint } from '../aggregate/merged-stats.js';
import { GENERATOR_LIMIT_ERRORS, NOT_THE_TARGETS_ERRORS } from '../engine/classify-error.js';
import { requestSteps, stepName } from '../flow/flow-schema.js';
import type { PlannedStep, RunPlan } from '../plan/run-plan.js';
import { allSliceTasks, expectedPartCount, expectedParts } from '../plan/slice-task.js';
import { holds, measure, parseCriteria } from '../slo/criterion.js';
import type { FailedInvocation } from '../ports/result-store.js';
import type {
  CriterionResult,
  MissingPart,
  OpenModelCounts,
  PlanSummary,
  Report,
  ReportStatus,
  RequestReport,
  StatsBlock,
  StepReport,
  TimelineEntry,
} from './report-types.js';

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

const countOf = (counts: Record<string, number>, types: readonly string[]) => types.reduce((sum, type) => sum + (counts[type] ?? 0), 0);

function statsBlock(stats: MergedStats): StatsBlock {
  const rps = stats.requests === 0 ? 0 : stats.requests / stats.spanSeconds();
  const generatorErrors = countOf(stats.errorsByType, NOT_THE_TARGETS_ERRORS);
  return {
    requests: stats.requests,
    errors: stats.errors,
    generatorErrors,
    errorRate: stats.requests === 0 ? 0 : round((stats.errors - generatorErrors) / stats.requests, 6),
    rps: round(rps),
    latency: summarize(stats.latency),
    statusCodes: { ...stats.statusCodes },
    errorsByType: { ...stats.errorsByType },
  };
}

function openCounts(stats: MergedStats): OpenModelCounts {
  return { scheduled: stats.scheduled, late: stats.late, dropped: stats.dropped, serviceLatency: summarize(stats.service) };
}

function levelFields(plan: RunPlan, level: number): { users?: number; rate?: number } {
  return plan.settings.model === 'closed' ? { users: level } : { rate: level };
}

/** The requests a plan sends: the weighted mix, or each request step of the flows (paths as written). */
function plannedRequests(settings: RunPlan['settings']): PlanSummary['requests'] {
  if (settings.module) return settings.module.flows.map((flow) => ({ name: `flow ${flow.name}`, method: '*', path: '(scenario module)', weight: flow.weight }));
  if (settings.flows) {
    return requestSteps(settings.flows.scenario).map((step) => ({ name: stepName(step), method: step.method, path: step.path, weight: 1 }));
  }
  return settings.requests.map((request) => ({ name: request.name, method: request.method, path: request.path, weight: request.weight }));
}

export function summarizePlan(plan: RunPlan): PlanSummary {
  const settings = plan.settings;
  return {
    model: settings.model,
    steps: plan.steps.map((step) => ({
      index: step.index,
      ...levelFields(plan, step.level),
      workers: step.workers,
      slices: new Set(expectedParts(plan, step.index).map((part) => part.slice)).size,
      durationS: step.durationMs / 1000,
    })),
    workers: plan.lanes.length,
    invocations: allSliceTasks(plan, 1).length,
    stepDurationS: settings.stepDurationMs / 1000,
    sliceDurationS: Math.max(...plan.slices.map((slice) => slice.durationMs)) / 1000,
    totalDurationS: plan.totalDurationMs / 1000,
    ...(settings.model === 'closed' ? { spawnRate: settings.spawnRate } : {}),
    thinkTimeMs: { min: settings.thinkTime.minMs, max: settings.thinkTime.maxMs },
    timeoutMs: settings.timeoutMs,
    timelineIntervalS: plan.timelineIntervalMs / 1000,
    requests: plannedRequests(settings),
  };
}

/** A step judged against the SLO must have measured the target, not the generator. */
function notJudgedBecause(stats: MergedStats): string | undefined {
  const limits = countOf(stats.errorsByType, GENERATOR_LIMIT_ERRORS);
  if (limits > 0) return `${limits} request(s) failed on the generator's own limits (${GENERATOR_LIMIT_ERRORS.filter((type) => stats.errorsByType[type]).join(', ')})`;
  if (stats.saturatedWorkers.size > 0) return `${stats.saturatedWorkers.size} worker(s) saturated`;
  return undefined;
}

export function stepReport(plan: RunPlan, planned: PlannedStep, stats: MergedStats): StepReport {
  const block = statsBlock(stats);
  const expected = expectedPartCount(plan, planned.index);
  const unjudged = notJudgedBecause(stats);
  return {
    index: planned.index,
    ...levelFields(plan, planned.level),
    ...block,
    startedAt: stats.slices === 0 ? null : new Date(stats.firstStart).toISOString(),
    durationS: stats.slices === 0 ? 0 : round(stats.spanSeconds(), 3),
    planned: {
      ...levelFields(plan, planned.level),
      workers: planned.workers,
      durationS: planned.durationMs / 1000,
      laneSeconds: round((planned.workers * planned.durationMs) / 1000, 3),
    },
    achieved: {
      workersStarted: stats.workersStarted.size,
      rps: block.rps,
      startLagMs: { mean: stats.slices === 0 ? 0 : round(stats.startLagTotalMs / stats.slices, 1), max: stats.startLagMaxMs },
      laneSeconds: round(stats.ranMs / 1000, 3),
      saturatedWorkers: stats.saturatedWorkers.size,
    },
    completeness: { expected, received: stats.slices, ...(stats.lateParts > 0 ? { late: stats.lateParts } : {}) },
    // A late slice arrived, but ran only part of its window: the step did not get its planned load.
    status: stats.slices >= expected && stats.lateParts === 0 ? 'completed' : 'partial',
    judged: unjudged === undefined,
    ...(unjudged === undefined ? {} : { notJudgedBecause: unjudged }),
    ...(plan.settings.model === 'open' ? { open: openCounts(stats) } : {}),
  };
}

/** One merged timeline interval as the report (and the live web UI) shows it. */
export function timelineEntry(index: number, point: TimelinePoint, intervalMs: number): TimelineEntry {
  const seconds = intervalMs / 1000;
  const latency = summarize(point.latency);
  return {
    t: index * seconds,
    users: Math.max(0, ...point.usersByStep.values()),
    rps: round(point.requests / seconds),
    errors: point.errors,
    p50: latency.p50,
    p95: latency.p95,
    p99: latency.p99,
  };
}

function timeline(plan: RunPlan, stats: MergedStats): TimelineEntry[] {
  return [...stats.timeline.entries()].sort(([a], [b]) => a - b).map(([index, point]) => timelineEntry(index, point, plan.timelineIntervalMs));
}

function evaluate(expression: string, stats: Parameters<typeof holds>[1]): CriterionResult {
  const criteria = parseCriteria(expression);
  return {
    expr: expression,
    passed: criteria.every((criterion) => holds(criterion, stats)),
    actual: Object.fromEntries(criteria.map((criterion) => [criterion.metric, round(measure(criterion.metric, stats), 6)])),
  };
}

export interface ReportInput {
  plan: RunPlan;
  startAt: number;
  stepStats: MergedStats[];
  totals: MergedStats;
  stopRequested: boolean;
  /** Problems met while aggregating (unreadable slices and the like). */
  warnings: string[];
  /** Invocations of the run that failed for good (AWS: from the on-failure destination). */
  failedInvocations?: FailedInvocation[];
  /** Who started the run (the API caller's IAM identity), when known. */
  owner?: string;
}

const MISSING_LISTED = 100;

/** The step results the plan called for that never arrived, step by step. */
function missingParts(plan: RunPlan, stepStats: MergedStats[]): MissingPart[] {
  return plan.steps.flatMap((step) =>
    expectedParts(plan, step.index)
      .filter(({ slice, lane }) => !stepStats[step.index]!.parts.has(`${slice}/${lane}`))
      .map(({ slice, lane }) => ({ step: step.index, slice, lane })),
  );
}

/** One line a reader can act on: which slices were lost, and which started late. */
function completenessWarnings(missing: MissingPart[], steps: StepReport[]): string[] {
  const warnings: string[] = [];
  if (missing.length > 0) {
    const listed = missing.slice(0, 10).map((part) => `step ${part.step + 1} slice ${part.slice} lane ${part.lane}`);
    warnings.push(`${missing.length} step result(s) never arrived (${listed.join(', ')}${missing.length > listed.length ? ', …' : ''}): those workers' load is not in the report`);
  }
  for (const step of steps) {
    const late = step.completeness.late ?? 0;
    if (late === 0) continue;
    const planned = step.planned.laneSeconds ?? 0;
    const achieved = step.achieved.laneSeconds ?? 0;
    warnings.push(
      `step ${step.index + 1}: ${late} slice(s) started late (up to ${(step.achieved.startLagMs.max / 1000).toFixed(1)} s): ` +
        `${achieved.toFixed(1)} of ${planned.toFixed(1)} planned worker-seconds of load ran`,
    );
  }
  return warnings;
}

function failedInvocationsWarning(failures: FailedInvocation[]): string[] {
  if (failures.length === 0) return [];
  const listed = failures.slice(0, 5).map((failure) => `${failure.function} ${failure.what} (${failure.error})`);
  return [`${failures.length} invocation(s) failed: ${listed.join('; ')}${failures.length > listed.length ? '; …' : ''}`];
}

/**
 * The report: per step and overall from exact merges, the knee under the SLO (the last step that met
 * it and the first that did not), k6-style thresholds on the totals, and how complete the data is.
 */
export function buildReport(input: ReportInput): Report {
  const { plan, totals } = input;
  const steps = plan.steps.map((planned, index) => stepReport(plan, planned, input.stepStats[index]!));
  const expected = steps.reduce((sum, step) => sum + step.completeness.expected, 0);
  const received = steps.reduce((sum, step) => sum + step.completeness.received, 0);
  const late = steps.reduce((sum, step) => sum + (step.completeness.late ?? 0), 0);
  const missing = missingParts(plan, input.stepStats);
  const failures = input.failedInvocations ?? [];
  let status: ReportStatus;
  if (input.stopRequested) status = 'aborted';
  else if (received === 0) status = 'failed';
  else status = received < expected || late > 0 ? 'partial' : 'completed';

  const report: Report = {
    schemaVersion: 1,
    run: {
      id: plan.runId,
      name: plan.settings.name,
      platform: plan.platform,
      target: plan.settings.target,
      ...(input.owner ? { owner: input.owner } : {}),
      startedAt: new Date(totals.slices === 0 ? input.startAt : totals.firstStart).toISOString(),
      endedAt: new Date(totals.slices === 0 ? Date.now() : totals.lastEnd).toISOString(),
      plan: summarizePlan(plan),
    },
    status,
    completeness: {
      expected,
      received,
      ...(late > 0 ? { late } : {}),
      ...(missing.length > 0 && !input.stopRequested ? { missing: missing.slice(0, MISSING_LISTED) } : {}),
    },
    totals: {
      ...statsBlock(totals),
      ...(plan.settings.model === 'open' ? { open: openCounts(totals) } : {}),
      errorSamples: [...totals.errorSamples.values()].sort((a, b) => b.count - a.count),
    },
    requests: [...totals.byName.entries()].map(([name, stats]): RequestReport => ({
      name,
      requests: stats.requests,
      errors: stats.errors,
      generatorErrors: stats.generatorErrors,
      errorRate: stats.requests === 0 ? 0 : round((stats.errors - stats.generatorErrors) / stats.requests, 6),
      rps: totals.requests === 0 ? 0 : round(stats.requests / totals.spanSeconds()),
      latency: summarize(stats.latency),
      statusCodes: { ...stats.statusCodes },
    })),
    steps,
    timeline: timeline(plan, totals),
    ...(totals.checks.size > 0 ? { checks: checksBlock(totals) } : {}),
    ...(totals.iterations.size > 0 ? { flows: flowsBlock(totals) } : {}),
    ...(plan.settings.warmUpMs > 0 ? { warmUp: warmUpBlock(plan, totals) } : {}),
    thresholds: plan.settings.thresholds.map((expression) => evaluate(expression, statsBlock(totals))),
    ...(failures.length > 0
      ? { failedInvocations: failures.map(({ function: fn, what, condition, error, attempts }) => ({ function: fn, what, condition, error, attempts })) }
      : {}),
    warnings: [
      ...(plan.settings.tls?.insecure ? ["TLS certificates were not checked (--insecure / tls.insecure): the target's identity is unverified"] : []),
      ...plan.warnings,
      ...input.warnings,
      ...generatorWarnings(plan, steps),
      ...(input.stopRequested ? [] : completenessWarnings(missing, steps)),
      ...failedInvocationsWarning(failures),
    ],
  };

  if (plan.settings.slo !== undefined) {
    const expression = plan.settings.slo;
    // Only steps that ran and measured the target are judged: the knee never comes from the generator.
    const judged = steps.filter((step) => step.completeness.received > 0 && step.judged);
    for (const step of judged) step.sloPassed = evaluate(expression, step).passed;
    const firstBadIndex = judged.findIndex((step) => step.sloPassed === false);
    const firstBad = firstBadIndex === -1 ? null : judged[firstBadIndex]!;
    const before = firstBadIndex === -1 ? judged : judged.slice(0, firstBadIndex);
    const lastGood = before.length > 0 ? before[before.length - 1]! : null;
    // The SLO holds only if every planned step ran, was judged and met it: an aborted run has not shown it.
    report.slo = { expr: expression, passed: judged.length === steps.length && firstBad === null };
    report.knee = { lastGood, firstBad };
  }
  return report;
}

function checksBlock(totals: MergedStats): NonNullable<Report['checks']> {
  return [...totals.checks.values()].map((check) => ({ ...check, passRate: round(check.passes / Math.max(1, check.passes + check.fails), 6) }));
}

function flowsBlock(totals: MergedStats): NonNullable<Report['flows']> {
  return [...totals.iterations.values()].map((flow) => ({ ...flow, iterations: flow.completed + flow.stoppedByCapture + flow.scriptErrors }));
}

function warmUpBlock(plan: RunPlan, totals: MergedStats): NonNullable<Report['warmUp']> {
  const warmUp = totals.warmUp;
  return {
    perSliceS: plan.settings.warmUpMs / 1000,
    slices: warmUp.slices,
    requests: warmUp.requests,
    errors: warmUp.errors,
    latency: summarize(warmUp.latency),
    serviceLatency: summarize(warmUp.service),
    late: warmUp.late,
    dropped: warmUp.dropped,
  };
}

/** One warning per step the generator may have measured, with advice that fits where it ran. */
function generatorWarnings(plan: RunPlan, steps: StepReport[]): string[] {
  const aws = plan.platform === 'aws';
  const warnings: string[] = [];
  for (const step of steps) {
    const limits = countOf(step.errorsByType, GENERATOR_LIMIT_ERRORS);
    if (limits > 0) {
      warnings.push(
        `step ${step.index + 1}: ${limits} request(s) failed on the generator's own limits (file descriptors, ports or socket buffers), not the target's; ` +
          (aws ? 'give each worker fewer users (--workers)' : 'raise `ulimit -n`, run fewer users on this machine, or use --platform aws') +
          '; the step is not judged',
      );
    }
    if (step.achieved.saturatedWorkers > 0) {
      warnings.push(
        `step ${step.index + 1}: ${step.achieved.saturatedWorkers} of ${step.planned.workers} worker(s) saturated (event loop busy or lagging): ` +
          `the step may measure the load generator rather than the target and is not judged; ` +
          (aws ? 'give workers more memory (the workerMemory deploy param: more vCPU) or more workers (--workers)' : 'this machine is the limit: fewer users here, or --platform aws'),
      );
    }
  }
  return warnings;
}
