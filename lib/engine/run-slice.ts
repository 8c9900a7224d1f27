import { encodeHistogram } from '../histogram/latency-histogram.js';
import { MAX_USERS_PER_WORKER, shareOf, type RunPlan } from '../plan/run-plan.js';
import { sliceWindow, type SliceTask } from '../plan/slice-task.js';
import { ClosedModelSession, userStartOffsets } from './closed-model.js';
import type { LoadSession, SliceLoadSpec } from './load-session.js';
import { OpenModelSession } from './open-model.js';
import { runningTotalsOf, type SliceRunningTotals } from './running-totals.js';
import { SaturationMonitor } from './saturation.js';
import { encodeRequestStats } from './slice-recorder.js';
import type { SliceResult, TimelineInterval } from './slice-result.js';

export interface RunSliceOptions {
  signal?: AbortSignal;
  onIntervalClosed?: (interval: TimelineInterval) => void;
  /** Live tables (the local web UI): the slice's totals by request name and error type as each interval closes. */
  onRunningTotals?: (totals: SliceRunningTotals) => void;
}

/** This worker's share of the step, as the load models take it. */
function sessionFor(plan: RunPlan, task: SliceTask, options: RunSliceOptions): { session: LoadSession; plannedLevel: number } {
  const { step, slice, plannedStart, plannedEnd } = sliceWindow(plan, task);
  const settings = plan.settings;
  const { onIntervalClosed, onRunningTotals } = options;
  let session: LoadSession | undefined;
  const base: SliceLoadSpec = {
    settings,
    runStartAt: task.startAt,
    timelineIntervalMs: plan.timelineIntervalMs,
    plannedStart,
    plannedEnd,
    // The session exists by the time an interval closes: it is assigned right after construction.
    onIntervalClosed: onRunningTotals
      ? (interval) => {
          onIntervalClosed?.(interval);
          if (session) onRunningTotals(runningTotalsOf(session));
        }
      : onIntervalClosed,
    signal: options.signal,
  };
  if (settings.model === 'closed') {
    const fromUsers = shareOf(step.previousLevel, step.workers, task.worker);
    const toUsers = shareOf(step.level, step.workers, task.worker);
    const offsets = userStartOffsets(Math.min(fromUsers, toUsers), toUsers, settings.spawnRate / step.workers, slice.startOffsetMs);
    session = new ClosedModelSession({ ...base, userStartOffsetsMs: offsets });
    return { session, plannedLevel: toUsers };
  }
  const rate = step.level / step.workers;
  const maxInFlight = settings.maxInFlight === undefined ? MAX_USERS_PER_WORKER : Math.max(1, Math.ceil(settings.maxInFlight / step.workers));
  const phaseMs = (task.worker / step.workers) * (1000 / rate);
  session = new OpenModelSession({ ...base, rate, maxInFlight, phaseMs });
  return { session, plannedLevel: rate };
}

/** Generates one slice of load (the caller has waited for its start) and returns what it measured. */
export async function runSlice(plan: RunPlan, task: SliceTask, options: RunSliceOptions = {}): Promise<SliceResult> {
  const { plannedStart } = sliceWindow(plan, task);
  const { session, plannedLevel } = sessionFor(plan, task, options);
  const monitor = new SaturationMonitor();
  const actualStart = Date.now();
  await session.run();
  const saturation = monitor.stop();
  const recorder = session.recorder;
  return {
    schemaVersion: 2,
    runId: task.runId,
    step: task.step,
    slice: task.slice,
    worker: task.worker,
    model: plan.settings.model,
    plannedLevel,
    plannedStart,
    actualStart,
    endedAt: Date.now(),
    stopped: session.aborted,
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
    byName: Object.fromEntries([...session.mix.statsByName].map(([name, stats]) => [name, encodeRequestStats(stats)])),
    timeline: recorder.timeline(),
    saturation,
  };
}
