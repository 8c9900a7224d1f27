import { MergedStats } from '../aggregate/merged-stats.js';
import type { SliceRunningTotals } from '../engine/running-totals.js';
import type { TimelineInterval } from '../engine/slice-result.js';
import { summarize } from '../histogram/latency-histogram.js';
import type { RunPlan } from '../plan/run-plan.js';
import { lanesCovering, type StepPartKey } from '../plan/slice-task.js';
import { formatDuration } from '../config/duration.js';
import { timelineEntry } from '../report/build-report.js';
import type { TimelineEntry } from '../report/report-types.js';
import type { LiveErrorRow, LiveRequestRow } from './live-tables.js';
import { LiveTotals } from './live-totals.js';

export type { LiveErrorRow, LiveRequestRow } from './live-tables.js';

export interface ProgressSnapshot {
  /** The timeline interval the figures come from (-1 before the first one is complete). */
  interval: number;
  step: number;
  steps: number;
  users: number;
  rps: number;
  p95Ms: number;
  requests: number;
  errors: number;
  elapsedMs: number;
  totalMs: number;
}

/** An interval some lane never reports (a lane that failed) is shown anyway this long after its end. */
const LATE_REPORT_GRACE_MS = 3000;

/**
 * Live numbers while a run goes on, from the workers' timeline intervals as they close: the same
 * exact merge as the report, over the newest interval every running lane has reported, so that the
 * figures are the sum over all of a step's workers, never a part of them.
 */
export class LiveProgress {
  private readonly stats = new MergedStats();
  private requests = 0;
  private errors = 0;
  private readonly totals = new LiveTotals();
  /** Lanes that have reported each interval. */
  private readonly reporters = new Map<number, Set<number>>();

  constructor(
    private readonly plan: RunPlan,
    private readonly startAt: () => number,
  ) {}

  addInterval(lane: number, step: number, interval: TimelineInterval): void {
    this.stats.addInterval(step, interval);
    this.requests += interval.requests;
    this.errors += interval.errors;
    let reported = this.reporters.get(interval.i);
    if (!reported) this.reporters.set(interval.i, (reported = new Set()));
    reported.add(lane);
  }

  setRunningTotals(part: StepPartKey, totals: SliceRunningTotals): void {
    this.totals.set(`${part.step}/${part.slice}/${part.lane}`, totals);
  }

  /** The newest interval that has ended and that every lane running through it has reported. */
  private latestCompleteInterval(now: number): number {
    const intervalMs = this.plan.timelineIntervalMs;
    const elapsed = now - this.startAt();
    const ended = Math.floor(elapsed / intervalMs) - 1;
    for (let index = ended; index >= 0; index--) {
      const overdue = (index + 1) * intervalMs + LATE_REPORT_GRACE_MS <= elapsed;
      const span = { startOffsetMs: index * intervalMs, endOffsetMs: (index + 1) * intervalMs };
      if (overdue || (this.reporters.get(index)?.size ?? 0) >= lanesCovering(this.plan, span)) return index;
    }
    return -1;
  }

  /**
   * The merged timeline from interval `fromIndex` up to the newest complete one, as the report has it.
   * Points near the end can still grow (a worker's interval arrives late): callers re-read a few.
   */
  timeline(fromIndex = 0, now = Date.now()): TimelineEntry[] {
    const latest = this.latestCompleteInterval(now);
    return [...this.stats.timeline.entries()]
      .filter(([index]) => index >= fromIndex && index <= latest)
      .sort(([a], [b]) => a - b)
      .map(([index, point]) => timelineEntry(index, point, this.plan.timelineIntervalMs));
  }

  /** Per request name so far: counts and exactly merged latency over every slice. */
  requestRows(now = Date.now()): LiveRequestRow[] {
    return this.totals.requestRows((now - this.startAt()) / 1000);
  }

  /** Errors so far by type, each with its distinct messages. */
  errorRows(): LiveErrorRow[] {
    return this.totals.errorRows();
  }

  /**
   * The figures of the newest complete interval, under the step that interval belongs to (a second
   * or so behind the clock, so that the step and its figures always match).
   */
  snapshot(now = Date.now()): ProgressSnapshot {
    const elapsedMs = Math.max(0, Math.min(now - this.startAt(), this.plan.totalDurationMs));
    const intervalMs = this.plan.timelineIntervalMs;
    const latest = this.latestCompleteInterval(now);
    const point = this.stats.timeline.get(latest);
    const shownAt = point ? latest * intervalMs : elapsedMs;
    const step = Math.min(this.plan.steps.length - 1, Math.floor(shownAt / this.plan.settings.stepDurationMs));
    return {
      interval: point ? latest : -1,
      step,
      steps: this.plan.steps.length,
      users: point ? Math.max(0, ...point.usersByStep.values()) : 0,
      rps: point ? point.requests / (intervalMs / 1000) : 0,
      p95Ms: point ? summarize(point.latency).p95 : 0,
      requests: this.requests,
      errors: this.errors,
      elapsedMs,
      totalMs: this.plan.totalDurationMs,
    };
  }

  line(now = Date.now()): string {
    const s = this.snapshot(now);
    const load = this.plan.settings.model === 'closed' ? `${s.users} users` : `${this.plan.steps[s.step]!.level} req/s planned`;
    const errorRate = s.requests === 0 ? 0 : (100 * s.errors) / s.requests;
    return (
      `step ${s.step + 1}/${s.steps} · ${load} · ${Math.round(s.rps)} req/s · p95 ${s.p95Ms.toFixed(1)} ms · ` +
      `errors ${errorRate.toFixed(2)}% · ${formatDuration(s.elapsedMs)}/${formatDuration(s.totalMs)}`
    );
  }
}
