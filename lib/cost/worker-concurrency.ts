import { MAX_DRAIN_MS } from '../engine/load-session.js';
import type { RunPlan } from '../plan/run-plan.js';

/** Time a worker invocation lives past its slice's planned end: the drain, then the writes. */
export const WORKER_TAIL_MS = MAX_DRAIN_MS + 2000;

/** One slice task's invocation, in ms from the start barrier: from its invoke to its end. */
export interface WorkerSpan {
  step: number;
  slice: number;
  /** Invocations of this span (the step's workers). */
  count: number;
  invokedAt: number;
  plannedStart: number;
  plannedEnd: number;
  endsAt: number;
}

/**
 * When each slice's invocations live. The first step's first slice is invoked at the fan-out, a
 * barrier before the start; every later one by its predecessor, `chainLeadMs` before its own start
 * (never before the fan-out), and it waits for that start inside the invocation.
 */
export function workerSpans(plan: RunPlan, barrierMs: number): WorkerSpan[] {
  const spans: WorkerSpan[] = [];
  for (const step of plan.steps) {
    for (const slice of step.slices) {
      const plannedStart = step.startOffsetMs + slice.startOffsetMs;
      const plannedEnd = plannedStart + slice.durationMs;
      const first = step.index === 0 && slice.index === 0;
      spans.push({
        step: step.index,
        slice: slice.index,
        count: step.workers,
        invokedAt: first ? -barrierMs : Math.max(-barrierMs, plannedStart - plan.chainLeadMs),
        plannedStart,
        plannedEnd,
        endsAt: plannedEnd + WORKER_TAIL_MS,
      });
    }
  }
  return spans;
}

/** Worker invocations alive at once at the busiest moment: what Lambda's concurrency must allow. */
export function peakWorkerConcurrency(plan: RunPlan, barrierMs: number): number {
  const events: Array<{ at: number; change: number }> = [];
  for (const span of workerSpans(plan, barrierMs)) {
    events.push({ at: span.invokedAt, change: span.count }, { at: span.endsAt, change: -span.count });
  }
  // Ends before starts at the same instant: an invocation that has ended frees its slot.
  events.sort((a, b) => a.at - b.at || a.change - b.change);
  let alive = 0;
  let peak = 0;
  for (const event of events) {
    alive += event.change;
    peak = Math.max(peak, alive);
  }
  return peak;
}
