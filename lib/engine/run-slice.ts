import type { TargetPattern } from '../guard/allowed-targets.js';
import { encodeHistogramOffLoop } from '../histogram/latency-histogram.js';
import type { RunPlan } from '../plan/run-plan.js';
import type { SliceTask } from '../plan/slice-task.js';
import { ClosedModelSession } from './closed-model.js';
import { laneSliceSchedule } from './lane-schedule.js';
import type { EndedPart, LoadSession, SliceLoadSpec } from './load-session.js';
import { OpenModelSession } from './open-model.js';
import { runningTotalsOf, type SliceRunningTotals } from './running-totals.js';
import { storedRequestStats, type SliceRecorder } from './slice-recorder.js';
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
  /** The stack's `allowedTargets` (AWS): a redirect to another host is not followed. */
  allowedTargets?: readonly TargetPattern[];
}

/**
 * A step's result as the step ends. Its figures are read at once (the session records the next step
 * into fresh ones); its histograms are compressed off the event loop, since the slice's load may go
 * on into the next step meanwhile and brotli takes milliseconds per histogram.
 */
async function stepResult(plan: RunPlan, task: SliceTask, part: EndedPart): Promise<SliceResult> {
  const { recorder, segment } = part;
  const figures = {
    schemaVersion: 3 as const,
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
    saturation: part.saturation,
    checks: recorder.checks(),
    iterations: recorder.iterations(),
  };
  const [latency, service, byName, timeline, warmUp] = await Promise.all([
    encodeHistogramOffLoop(recorder.latency),
    encodeHistogramOffLoop(recorder.service),
    Promise.all([...part.byName].map(async ([name, stats]) => [name, await storedRequestStats(stats)] as const)),
    recorder.timeline(),
    part.warmUp ? warmUpOf(part.warmUp.recorder, part.warmUp.durationMs) : undefined,
  ]);
  return { ...figures, latency, service, byName: Object.fromEntries(byName), timeline, ...(warmUp ? { warmUp } : {}) };
}

async function warmUpOf(recorder: SliceRecorder, durationMs: number): Promise<WarmUp> {
  const [latency, service] = await Promise.all([encodeHistogramOffLoop(recorder.latency), encodeHistogramOffLoop(recorder.service)]);
  return {
    durationMs: Math.round(durationMs),
    requests: recorder.requests,
    errors: recorder.errors,
    errorsByType: recorder.errorTypes(),
    scheduled: recorder.scheduled,
    late: recorder.late,
    dropped: recorder.dropped,
    latency,
    service,
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
  let handedOn = Promise.resolve();
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
    allowedTargets: options.allowedTargets,
    // The session exists by the time an interval closes: it is assigned right after construction.
    onIntervalClosed: onRunningTotals
      ? (step, interval) => {
          onIntervalClosed?.(step, interval);
          if (session) onRunningTotals(step, runningTotalsOf(session));
        }
      : onIntervalClosed,
    onPartEnded: (part) => {
      // Handed on in step order, each once its histograms are encoded.
      handedOn = Promise.all([stepResult(plan, task, part), handedOn]).then(([result]) => {
        results.push(result);
        options.onStepResult?.(result);
      });
    },
    signal: options.signal,
  };
  session = plan.settings.model === 'closed' ? new ClosedModelSession(spec) : new OpenModelSession(spec);
  await session.run();
  await handedOn;
  return results;
}
