import type { RunPlan } from '../plan/run-plan.js';
import { firstTasks, laneSlices } from '../plan/slice-task.js';

/** A worker's writes after its load (its last step's result, its completion). */
export const WORKER_WRITES_MS = 2000;

/**
 * How long a worker invocation lives past its slice's planned end at most: a lane's last slice waits
 * for its requests in flight (each up to the request timeout, plus a second), then writes.
 * A slice that hands over cuts them instead, and only writes.
 */
export function workerTailMs(timeoutMs: number): number {
  return timeoutMs + 1000 + WORKER_WRITES_MS;
}

/** One slice invocation, in ms from the start barrier: from its invoke to its end. */
export interface WorkerSpan {
  lane: number;
  slice: number;
  invokedAt: number;
  plannedStart: number;
  plannedEnd: number;
  /** The latest it ends: a lane's last slice drains up to the request timeout. */
  endsAt: number;
  /** The lane goes on in a next slice (this one cuts what is in flight and only writes). */
  handsOver: boolean;
}

/**
 * When each slice invocation lives. A lane's first slice is invoked at the fan-out (a barrier
 * before the start) or by a sponsor `chainLeadMs` before it starts; every later one by its
 * predecessor, `chainLeadMs` ahead. Each waits for its start inside the invocation.
 */
export function workerSpans(plan: RunPlan, barrierMs: number): WorkerSpan[] {
  const fannedOut = new Set(firstTasks(plan, 1).map((task) => `${task.lane}/${task.slice}`));
  const tail = workerTailMs(plan.settings.timeoutMs);
  return plan.lanes.flatMap((lane) => {
    const slices = laneSlices(plan, lane);
    return slices.map(({ slice, span }, position): WorkerSpan => {
      const handsOver = position + 1 < slices.length;
      return {
        lane: lane.index,
        slice: slice.index,
        invokedAt: fannedOut.has(`${lane.index}/${slice.index}`) ? -barrierMs : Math.max(-barrierMs, span.startOffsetMs - plan.chainLeadMs),
        plannedStart: span.startOffsetMs,
        plannedEnd: span.endOffsetMs,
        endsAt: span.endOffsetMs + (handsOver ? WORKER_WRITES_MS : tail),
        handsOver,
      };
    });
  });
}

/** Worker invocations alive at once at the busiest moment: what Lambda's concurrency must allow. */
export function peakWorkerConcurrency(plan: RunPlan, barrierMs: number): number {
  const events: Array<{ at: number; change: number }> = [];
  for (const span of workerSpans(plan, barrierMs)) events.push({ at: span.invokedAt, change: 1 }, { at: span.endsAt, change: -1 });
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
