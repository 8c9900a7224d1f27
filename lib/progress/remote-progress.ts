import type { RunStatusResponse } from '../api/api-schemas.js';

type IntervalProgress = RunStatusResponse['progress']['recent'][number];
import { formatDuration } from '../config/duration.js';

const count = (value: number) => Math.round(value).toLocaleString('en-US');
/** An interval some worker never reports is shown anyway this long after its end. */
const LATE_REPORT_GRACE_MS = 3000;

/** Whether every worker whose load covers an interval has reported it (or it is a few seconds overdue). */
export function isIntervalComplete(interval: IntervalProgress, intervalMs: number, elapsedMs: number): boolean {
  const endedMs = (interval.interval + 1) * intervalMs;
  if (endedMs > elapsedMs) return false;
  return interval.reports >= (interval.expectedReports ?? 0) || endedMs + LATE_REPORT_GRACE_MS <= elapsedMs;
}

/**
 * One line of live progress from the runs table (through GET /runs/{id}): the newest timeline
 * interval every worker has had time to report, the slices recorded, the steps merged so far.
 */
export function remoteProgressLine(status: RunStatusResponse, now = Date.now()): string {
  const { run, plan, progress, steps } = status;
  const parts: string[] = [];
  const totalMs = run.plannedEndAt - run.startAt;
  if (now < run.startAt) {
    parts.push(`starting in ${formatDuration(run.startAt - now)}`);
  } else {
    const elapsed = Math.min(now - run.startAt, totalMs);
    const stepDurationMs = plan && plan.steps.length > 0 ? (plan.totalDurationS * 1000) / plan.steps.length : totalMs;
    const stepIndex = Math.min(run.steps - 1, Math.floor(elapsed / stepDurationMs));
    parts.push(`step ${stepIndex + 1}/${run.steps}`);
    // Workers add an interval when it closes: show the newest one all of its workers have reported
    // (or, should one never report, one a few seconds old), never a share of the workers.
    const elapsedMs = now - run.startAt;
    const point = [...progress.recent].reverse().find((interval) => isIntervalComplete(interval, progress.intervalMs, elapsedMs));
    if (point) {
      const seconds = progress.intervalMs / 1000;
      parts.push(run.model === 'closed' ? `${count(point.users)} users` : `${count(point.users)} in flight`);
      parts.push(`${count(point.requests / seconds)} req/s`);
      parts.push(`errors ${(point.requests === 0 ? 0 : (100 * point.errors) / point.requests).toFixed(2)}%`);
    }
    parts.push(`${formatDuration(elapsed)}/${formatDuration(totalMs)}`);
  }
  parts.push(`slices ${progress.slicesDone}/${run.totalSlices}`);
  const merged = steps.filter((step) => step.receivedSlices > 0);
  const last = merged[merged.length - 1];
  if (last) parts.push(`step ${last.step + 1} merged: ${count(last.rps)} req/s, p95 ${last.latency.p95.toFixed(1)} ms`);
  if (run.stopRequested && run.status === 'running') parts.push('stopping');
  return parts.join(' · ');
}

/** `fanout status <id>`: the run's item and its merged steps. */
export function formatRunStatus(status: RunStatusResponse, now = Date.now()): string {
  const { run, steps } = status;
  const lines = [
    `run ${run.runId}: ${run.status}${run.stopRequested && run.status === 'running' ? ' (stop requested)' : ''}`,
    `  target     ${run.target} (${run.model} model, ${run.platform})`,
    `  start      ${new Date(run.startAt).toISOString()}, planned end ${new Date(run.plannedEndAt).toISOString()}`,
  ];
  if (run.endedAt) lines.push(`  ended      ${new Date(run.endedAt).toISOString()}`);
  if (run.status === 'running') lines.push(`  progress   ${remoteProgressLine(status, now)}`);
  else lines.push(`  slices     ${status.progress.slicesDone}/${run.totalSlices} recorded`);
  if (steps.length > 0) {
    const unit = run.model === 'closed' ? 'users' : 'req/s planned';
    lines.push(`  steps merged so far (${unit}):`);
    for (const step of steps) {
      lines.push(
        `    step ${String(step.step + 1).padStart(3)}  ${String(step.level).padStart(7)}  ${step.rps.toFixed(1).padStart(9)} req/s  ` +
          `p50 ${step.latency.p50.toFixed(1)} p95 ${step.latency.p95.toFixed(1)} p99 ${step.latency.p99.toFixed(1)} ms  ` +
          `errors ${step.errors}/${step.requests}  slices ${step.receivedSlices}/${step.expectedSlices} (${step.status})`,
      );
    }
  }
  if (run.reportKey) lines.push(`  report     ready: fanout report ${run.runId}`);
  return lines.join('\n');
}
