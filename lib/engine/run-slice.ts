import { encodeHistogram } from '../histogram/latency-histogram.js';
import type { RunPlan } from '../plan/run-plan.js';
import type { SliceTask } from '../plan/slice-task.js';
import { ClosedModelSession } from './closed-model.js';
import { laneSliceSchedule } from './lane-schedule.js';
import type { EndedPart, LoadSession, SliceLoadSpec } from './load-session.js';
import { OpenModelSession } from './open-model.js';
import { runningTotalsOf, type SliceRunningTotals } from './running-totals.js';
import { encodeRequestStats, type SliceRecorder } from './slice-recorder.js';
import type { SliceResult, TimelineInterval, WarmUp } from './slice-result.js';
import type { UserFactory } from './user-session.js';

export interface RunSliceOptions {
  signal?: AbortSignal;
  /** Each step's result as that step ends inside the slice: the worker stores it at once. */
  onStepResult?: (result: SliceResult) => void;
  onIntervalClosed?: (step: number, interval: TimelineInterval) => void;
  /** Live tables (the local web UI): the current step's totals by request name and error type as each interval closes. */
  onRunningTotals?: (step: number, totals: SliceRunningTotals) => void;
  /** Users that follow flows or a scenario module (lib/flow); the weighted mix of `requests:` when absent. */
  userFactory?: UserFactory;
}

function stepResult(plan: RunPlan, task: SliceTask, part: EndedPart): SliceResult {
  const { recorder, segment } = part;
  return {
    schemaVersion: 3,
    runId: task.runId,
    step: segment.step,
    slice: task.slice,
    lane: task.lane,
    model: plan.settings.model,
    plannedLevel: segment.level,
    plannedStart: segment.plannedStart,
    plannedEnd: segment.plannedEnd,
    actualStart: part.actualStart,
    endedAt: part.endedAt,
    stopped: part.stopped,
    requests: recorder.requests,
    errors: recorder.errors,
    late: recorder.late,
    dropped: recorder.dropped,
    scheduled: recorder.scheduled,
    statusCodes: recorder.statusCodes(),
    errorsByType: recorder.errorTypes(),
    errorSamples: recorder.samples(),
    latency: encodeHistogram(recorder.latency),
    service: encodeHistogram(recorder.service),
    byName: Object.fromEntries([...part.byName].map(([name, stats]) => [name, encodeRequestStats(stats)])),
    timeline: recorder.timeline(),
    saturation: part.saturation,
    checks: recorder.checks(),
    iterations: recorder.iterations(),
    ...(part.warmUp ? { warmUp: warmUpOf(part.warmUp.recorder, part.warmUp.durationMs) } : {}),
  };
}

function warmUpOf(recorder: SliceRecorder, durationMs: number): WarmUp {
  return {
    durationMs: Math.round(durationMs),
    requests: recorder.requests,
    errors: recorder.errors,
    errorsByType: recorder.errorTypes(),
    scheduled: recorder.scheduled,
    late: recorder.late,
    dropped: recorder.dropped,
    latency: encodeHistogram(recorder.latency),
    service: encodeHistogram(recorder.service),
  };
}

/**
 * Generates one lane's slice of load (the caller has waited for its start), its users carrying
 * over from step to step, and returns what it measured: one result per step it covered.
 */
export async function runSlice(plan: RunPlan, task: SliceTask, options: RunSliceOptions = {}): Promise<SliceResult[]> {
  const schedule = laneSliceSchedule(plan, task);
  const results: SliceResult[] = [];
  let session: LoadSession | undefined;
  const { onIntervalClosed, onRunningTotals } = options;
  const spec: SliceLoadSpec = {
    settings: plan.settings,
    runStartAt: task.startAt,
    timelineIntervalMs: plan.timelineIntervalMs,
    segments: schedule.segments,
    handsOver: schedule.handsOver,
    warmUpMs: plan.settings.warmUpMs ?? 0,
    userFactory: options.userFactory,
    firstUserNumber: schedule.firstUserNumber,
    // The session exists by the time an interval closes: it is assigned right after construction.
    onIntervalClosed: onRunningTotals
      ? (step, interval) => {
          onIntervalClosed?.(step, interval);
          if (session) onRunningTotals(step, runningTotalsOf(session));
        }
      : onIntervalClosed,
    onPartEnded: (part) => {
      const result = stepResult(plan, task, part);
      results.push(result);
      options.onStepResult?.(result);
    },
    signal: options.signal,
  };
  session = plan.settings.model === 'closed' ? new ClosedModelSession(spec) : new OpenModelSession(spec);
  await session.run();
  return results;
}
