import { MergedStats } from '../aggregate/merged-stats.js';
import type { SliceRunningTotals } from '../engine/running-totals.js';
import type { TimelineInterval } from '../engine/slice-result.js';
import { createHistogram, decodeHistogram, summarize } from '../histogram/latency-histogram.js';
import type { RunPlan } from '../plan/run-plan.js';
import type { SliceTask } from '../plan/slice-task.js';
import { formatDuration } from '../config/duration.js';
import { timelineEntry } from '../report/build-report.js';
import type { TimelineEntry } from '../report/report-types.js';
import type { LiveErrorRow, LiveRequestRow } from './live-tables.js';

export type { LiveErrorRow, LiveRequestRow } from './live-tables.js';

export interface ProgressSnapshot {
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

/**
 * Live numbers while a run goes on, from the workers' timeline intervals as they close: the same
 * exact merge as the report, over the last complete interval.
 */
export class LiveProgress {
  private readonly stats = new MergedStats();
  private requests = 0;
  private errors = 0;
  /** The latest running totals of each slice (step/slice/worker); a newer snapshot replaces an older one. */
  private readonly runningTotals = new Map<string, SliceRunningTotals>();

  constructor(
    private readonly plan: RunPlan,
    private readonly startAt: () => number,
  ) {}

  addInterval(step: number, interval: TimelineInterval): void {
    this.stats.addInterval(step, interval);
    this.requests += interval.requests;
    this.errors += interval.errors;
  }

  setRunningTotals(task: Pick<SliceTask, 'step' | 'slice' | 'worker'>, totals: SliceRunningTotals): void {
    this.runningTotals.set(`${task.step}/${task.slice}/${task.worker}`, totals);
  }

  /** The newest interval whose workers have all reported: about one interval behind the clock. */
  private latestCompleteInterval(now: number): number {
    return Math.floor((now - this.startAt()) / this.plan.timelineIntervalMs) - 1;
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

  /** Per request name so far: counts and exactly merged latency of every slice's latest totals. */
  requestRows(now = Date.now()): LiveRequestRow[] {
    const merged = new Map<string, { requests: number; errors: number; latency: ReturnType<typeof createHistogram> }>();
    for (const totals of this.runningTotals.values()) {
      for (const [name, stats] of Object.entries(totals.byName)) {
        let row = merged.get(name);
        if (!row) merged.set(name, (row = { requests: 0, errors: 0, latency: createHistogram() }));
        row.requests += stats.requests;
        row.errors += stats.errors;
        row.latency.add(decodeHistogram(stats.latency));
      }
    }
    const seconds = Math.max(1, (now - this.startAt()) / 1000);
    return [...merged].map(([name, row]) => ({
      name,
      requests: row.requests,
      errors: row.errors,
      rps: Math.round((row.requests / seconds) * 10) / 10,
      latency: summarize(row.latency),
    }));
  }

  /** Errors so far by type, each with its distinct messages. */
  errorRows(): LiveErrorRow[] {
    const rows = new Map<string, LiveErrorRow>();
    for (const totals of this.runningTotals.values()) {
      for (const [type, count] of Object.entries(totals.errorsByType)) {
        const row = rows.get(type) ?? { type, count: 0, messages: [] };
        row.count += count;
        rows.set(type, row);
      }
      for (const sample of totals.errorSamples) {
        const row = rows.get(sample.type);
        if (!row) continue;
        const known = row.messages.find((entry) => entry.message === sample.message);
        if (known) known.count += sample.count;
        else row.messages.push({ message: sample.message, count: sample.count });
      }
    }
    for (const row of rows.values()) row.messages.sort((a, b) => b.count - a.count);
    return [...rows.values()].sort((a, b) => b.count - a.count);
  }

  snapshot(now = Date.now()): ProgressSnapshot {
    const elapsedMs = Math.max(0, Math.min(now - this.startAt(), this.plan.totalDurationMs));
    const intervalMs = this.plan.timelineIntervalMs;
    const step = Math.min(this.plan.steps.length - 1, Math.floor(elapsedMs / this.plan.settings.stepDurationMs));
    const latest = this.latestCompleteInterval(now);
    const point = this.stats.timeline.get(latest) ?? this.stats.timeline.get(latest - 1);
    return {
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
