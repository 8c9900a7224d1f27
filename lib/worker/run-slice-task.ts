import { setTimeout as sleep } from 'node:timers/promises';
import { runSlice } from '../engine/run-slice.js';
import type { SliceRunningTotals } from '../engine/running-totals.js';
import { encodeSliceResult, SLICE_RESULT_CONTENT_TYPE, type SliceResult, type TimelineInterval } from '../engine/slice-result.js';
import { expectedSlices, type RunPlan } from '../plan/run-plan.js';
import { planKey, sliceKey, sliceWindow, successorsOf, type SliceTask } from '../plan/slice-task.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Invoker } from '../ports/invoker.js';
import type { ResultStore } from '../ports/result-store.js';

export interface WorkerDeps {
  blobs: BlobStore;
  results: ResultStore;
  invoker: Invoker;
  /** Live progress: each timeline interval as it closes. */
  onIntervalClosed?: (task: SliceTask, interval: TimelineInterval) => void;
  /** Live tables: the slice's totals by request name and error type, as intervals close and at its end. */
  onRunningTotals?: (task: SliceTask, totals: SliceRunningTotals) => void;
  log?: (message: string) => void;
  /** How often the stop flag is read; about a second, so that a stop ends every worker within ~2 s. */
  stopPollMs?: number;
}

export type SliceTaskOutcome =
  | { ran: true; result: SliceResult }
  | { ran: false; reason: 'duplicate' | 'stopped-before-start' };

const plans = new Map<string, RunPlan>();

/** The run's plan, read once per process (a warm Lambda keeps it between slices). */
export async function loadPlan(blobs: BlobStore, runId: string): Promise<RunPlan> {
  const cached = plans.get(runId);
  if (cached) return cached;
  const text = await blobs.get(planKey(runId));
  if (text === undefined) throw new Error(`run ${runId} has no plan at ${planKey(runId)}`);
  const plan = JSON.parse(text) as RunPlan;
  plans.set(runId, plan);
  return plan;
}

/**
 * A worker's whole job, the same on Lambda and on one machine: claim the slice (so a duplicated
 * invocation does nothing), hand the load on to the next slice ahead of the boundary, wait for the
 * start time, generate load until the end or a stop, store the histograms, record the slice as done
 * exactly once, and start the step's aggregation when this was its last slice.
 */
export async function runSliceTask(task: SliceTask, deps: WorkerDeps): Promise<SliceTaskOutcome> {
  const log = deps.log ?? (() => {});
  const plan = await loadPlan(deps.blobs, task.runId);
  const { step, plannedStart, plannedEnd } = sliceWindow(plan, task);
  if (!(await deps.results.claimSlice(task))) {
    log(`slice ${describe(task)} was already claimed: duplicate invocation, nothing to do`);
    return { ran: false, reason: 'duplicate' };
  }

  const stop = new AbortController();
  const pollMs = deps.stopPollMs ?? 1000;
  const poll = setInterval(() => {
    deps.results.isStopRequested(task.runId).then(
      (stopped) => stopped && stop.abort(),
      (error: unknown) => log(`reading the stop flag failed: ${String(error)}`),
    );
  }, pollMs);

  const chainTimer = setTimeout(() => {
    if (stop.signal.aborted) return;
    for (const successor of successorsOf(plan, task)) {
      deps.invoker.invokeSlice(successor).catch((error: unknown) => log(`invoking slice ${describe(successor)} failed: ${String(error)}`));
    }
  }, Math.max(0, plannedEnd - plan.chainLeadMs - Date.now()));

  try {
    if (await deps.results.isStopRequested(task.runId)) stop.abort();
    await sleep(Math.max(0, plannedStart - Date.now()), undefined, { signal: stop.signal }).catch(() => {});
    if (stop.signal.aborted) {
      clearTimeout(chainTimer);
      return { ran: false, reason: 'stopped-before-start' };
    }
    const result = await runSlice(plan, task, {
      signal: stop.signal,
      onIntervalClosed: deps.onIntervalClosed && ((interval) => deps.onIntervalClosed!(task, interval)),
      onRunningTotals: deps.onRunningTotals && ((totals) => deps.onRunningTotals!(task, totals)),
    });
    deps.onRunningTotals?.(task, { byName: result.byName, errorsByType: result.errorsByType, errorSamples: result.errorSamples, ended: true });
    if (result.stopped) clearTimeout(chainTimer);
    if (result.saturation.saturated) {
      log(
        `worker ${describe(task)} saturated (event loop ${Math.round(result.saturation.eventLoopUtilization * 100)}% busy, ` +
          `lag p99 ${result.saturation.eventLoopLagP99Ms} ms): its numbers may measure the generator; add workers`,
      );
    }
    await deps.blobs.put(sliceKey(task), encodeSliceResult(result), SLICE_RESULT_CONTENT_TYPE);
    const completion = await deps.results.completeSlice(task);
    if (completion.first && completion.doneInStep >= expectedSlices(step)) {
      await deps.invoker.invokeAggregator({ runId: task.runId, step: task.step });
    }
    return { ran: true, result };
  } finally {
    clearInterval(poll);
  }
}

function describe(task: SliceTask): string {
  return `${task.runId}/${task.step}/${task.slice}/${task.worker}`;
}
