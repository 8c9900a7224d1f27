import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { runSlice } from '../engine/run-slice.js';
import type { TargetPattern } from '../guard/allowed-targets.js';
import { loadLaneData } from '../flow/lane-data.js';
import { userFactoryFor } from '../flow/user-factory.js';
import type { SliceRunningTotals } from '../engine/running-totals.js';
import { encodeSliceResult, SLICE_RESULT_CONTENT_TYPE, type SliceResult, type TimelineInterval } from '../engine/slice-result.js';
import type { RunPlan } from '../plan/run-plan.js';
import { invocationsDuring, planKey, sliceWindow, stepPartKey, type SliceTask, type StepPartKey } from '../plan/slice-task.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Invoker } from '../ports/invoker.js';
import type { ResultStore } from '../ports/result-store.js';
import type { SecretsKeeper } from '../ports/secrets-keeper.js';
import { scrubText, scrubWorkerOutput } from '../secrets/scrub-worker-output.js';
import { openPlan } from './runnable-plan.js';

export interface WorkerDeps {
  blobs: BlobStore;
  results: ResultStore;
  invoker: Invoker;
  /** Live progress: each timeline interval as it closes, with the step it belongs to. */
  onIntervalClosed?: (task: SliceTask, step: number, interval: TimelineInterval) => void;
  /** Live tables: a step part's totals by request name and error type, as intervals close and at its end. */
  onRunningTotals?: (part: StepPartKey, totals: SliceRunningTotals) => void;
  log?: (message: string) => void;
  /** How often the stop flag is read; about a second, so that a stop ends every worker within ~2 s. */
  stopPollMs?: number;
  /** This invocation's id (Lambda's request id), which its claim carries; a fresh one when absent. */
  invocationId?: string;
  /** Where the run's secrets are opened, when its plan has any (sealed: markers in their place). */
  secrets?: SecretsKeeper;
  /** The stack's `allowedTargets` (its deploy param): redirects to other hosts are not followed. */
  allowedTargets?: readonly TargetPattern[];
}

export type SliceTaskOutcome =
  | { ran: true; results: SliceResult[]; stored: number; storeFailures: string[] }
  | { ran: false; reason: 'duplicate' | 'stopped-before-start' | 'window-passed' };

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
 * Stores one step's result of this slice and records it once. Done as each step ends, while the
 * slice's load goes on. The run's supervisor counts the records and merges a step once all are in.
 */
async function storeStepResult(task: SliceTask, result: SliceResult, deps: WorkerDeps): Promise<void> {
  const part: StepPartKey = { runId: task.runId, step: result.step, slice: task.slice, lane: task.lane };
  await deps.blobs.put(stepPartKey(part), encodeSliceResult(result), SLICE_RESULT_CONTENT_TYPE);
  await deps.results.completePart(part);
}

/**
 * A worker's whole job, the same on Lambda and on one machine: claim the slice (so a duplicated
 * invocation does nothing), invoke the lane's next slice (and lanes this one starts) ahead of time,
 * wait for the start, generate load until the end or a stop, store each step's result as the step
 * ends and record it exactly once. A slice invoked after its window has passed (a lane taken up
 * again by the supervisor too late) runs nothing; one invoked late runs what is left of its window,
 * and its results say so (their actual start against the planned one).
 */
export async function runSliceTask(task: SliceTask, deps: WorkerDeps): Promise<SliceTaskOutcome> {
  const { plan, redactor } = await openPlan(await loadPlan(deps.blobs, task.runId), deps.secrets);
  const write = deps.log ?? (() => {});
  const log = (message: string) => write(scrubText(message, redactor));
  const { plannedStart, plannedEnd } = sliceWindow(plan, task);
  if (Date.now() >= plannedEnd) {
    log(`slice ${describe(task)} was invoked after its window had passed: nothing to run`);
    return { ran: false, reason: 'window-passed' };
  }
  if (!(await deps.results.claimSlice(task, deps.invocationId ?? randomUUID()))) {
    log(`slice ${describe(task)} was already claimed: duplicate invocation, nothing to do`);
    return { ran: false, reason: 'duplicate' };
  }

  const stop = new AbortController();
  const poll = setInterval(() => {
    deps.results.isStopRequested(task.runId).then(
      (stopped) => stopped && stop.abort(),
      (error: unknown) => log(`reading the stop flag failed: ${String(error)}`),
    );
  }, deps.stopPollMs ?? 1000);
  const invocationTimers = invocationsDuring(plan, task).map(({ task: next, atOffsetMs }) =>
    setTimeout(() => {
      if (stop.signal.aborted) return;
      deps.invoker.invokeSlice(next).catch((error: unknown) => log(`invoking slice ${describe(next)} failed: ${String(error)}`));
    }, Math.max(0, task.startAt + atOffsetMs - Date.now())),
  );
  const cancelInvocations = () => invocationTimers.forEach((timer) => clearTimeout(timer));

  try {
    // Flows compiled, a scenario module loaded: before the start, not in the slice's time.
    const userFactory = await userFactoryFor(plan, await loadLaneData(deps.blobs, plan, task.lane));
    if (await deps.results.isStopRequested(task.runId)) stop.abort();
    await sleep(Math.max(0, plannedStart - Date.now()), undefined, { signal: stop.signal }).catch(() => {});
    if (stop.signal.aborted) {
      cancelInvocations();
      return { ran: false, reason: 'stopped-before-start' };
    }
    const storing: Array<Promise<void>> = [];
    const storeFailures: string[] = [];
    const results = await runSlice(plan, task, {
      signal: stop.signal,
      userFactory,
      allowedTargets: deps.allowedTargets,
      onIntervalClosed: deps.onIntervalClosed && ((step, interval) => deps.onIntervalClosed!(task, step, interval)),
      onRunningTotals: deps.onRunningTotals && ((step, totals) => deps.onRunningTotals!({ ...task, step }, scrubWorkerOutput(totals, redactor))),
      onStepResult: (measured) => {
        const result = scrubWorkerOutput(measured, redactor);
        const part = { runId: task.runId, step: result.step, slice: task.slice, lane: task.lane };
        deps.onRunningTotals?.(part, { byName: result.byName, errorsByType: result.errorsByType, errorSamples: result.errorSamples, ended: true });
        // A failed write costs that step's share of this slice (completeness shows it), never the others.
        storing.push(storeStepResult(task, result, deps).catch((error: unknown) => void storeFailures.push(`step ${result.step}: ${String(error)}`)));
      },
    });
    if (stop.signal.aborted) cancelInvocations();
    await Promise.all(storing);
    for (const failure of storeFailures) log(`slice ${describe(task)}: storing a step result failed: ${failure}`);
    await mergeIfLate(task, deps, log);
    return { ran: true, results, stored: results.length - storeFailures.length, storeFailures };
  } finally {
    clearInterval(poll);
  }
}

/**
 * Results that arrive after the run was finalised (a straggler past the deadline) are merged, not
 * dropped: the run is finalised again, from everything stored.
 */
async function mergeIfLate(task: SliceTask, deps: WorkerDeps, log: (message: string) => void): Promise<void> {
  try {
    const run = await deps.results.getRun(task.runId);
    if (run && run.status !== 'running') await deps.invoker.invokeAggregator({ runId: task.runId });
  } catch (error) {
    log(`slice ${describe(task)}: asking for the late results to be merged failed: ${String(error)}`);
  }
}

function describe(task: SliceTask): string {
  return `${task.runId}/lane ${task.lane}/slice ${task.slice}`;
}
