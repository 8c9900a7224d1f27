import { setTimeout as sleep } from 'node:timers/promises';
import type { RunPlan } from '../plan/run-plan.js';
import { expectedParts, plannedInvocations, sliceWindow, type PlannedInvocation, type SliceTask } from '../plan/slice-task.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Invoker } from '../ports/invoker.js';
import type { ResultStore, RunRecord, RunStatus } from '../ports/result-store.js';
import { loadPlan } from '../worker/run-slice-task.js';
import { aggregateStep, finalizeRunOnce } from './aggregate-run.js';

export interface SupervisorDeps {
  blobs: BlobStore;
  results: ResultStore;
  invoker: Invoker;
}

export interface SuperviseOptions {
  /** This invocation's id: the owner of the run's finalisation lock should it finalise. */
  owner: string;
  /** Time left in this invocation (the Lambda context's getRemainingTimeInMillis). */
  remainingMs: () => number;
  /** How often the run is looked at. */
  pollMs: number;
  /**
   * How long after the plan invokes a slice its claim may take (a cold start) before the
   * supervisor invokes the slice itself.
   */
  claimGraceMs: number;
  /** The finalisation lock's lease (default FINALIZE_LEASE_MS). */
  leaseMs?: number;
  log?: (message: string) => void;
}

export type SupervisionOutcome =
  | { kind: 'finalized'; runStatus: RunStatus }
  | { kind: 'already-final'; runStatus: RunStatus }
  | { kind: 'rescheduled'; finalizeAt: number };

/** Time kept in hand for the final merge when a watch must hand over to a fresh invocation. */
export const HANDOVER_MARGIN_MS = 60_000;
/** A slice with less of its window left than this is not worth starting any more. */
const MIN_WINDOW_LEFT_MS = 1000;
/**
 * A slice is invoked again at most this often: when the workers cannot start at all (reserved
 * concurrency 0, the backstop), the supervisor must not flood Lambda with invocations of its own.
 */
const MAX_TAKE_UPS = 2;

interface Watch {
  plan: RunPlan;
  /** Every slice invocation of the plan and when it is due: fixed for the run, worked out once. */
  invocations: PlannedInvocation[];
  /** Lanes seen to have claimed each slice. */
  claimed: Map<number, Set<number>>;
  /** Slice invocations this supervisor made, `lane/slice` → when and how often. */
  invoked: Map<string, { at: number; times: number }>;
  /** Step results recorded, per step, as last counted. */
  done: Map<number, number>;
  merged: Set<number>;
  partsDone: number | undefined;
}

/**
 * The run's supervisor: the aggregator invocation the coordinator arms before it invokes the
 * first worker, which stands watch until the run's deadline. On every look at the run it
 *
 * - takes up lost slices: a slice whose claim has not appeared `claimGraceMs` after the plan
 *   invoked it (its invoker crashed before its chain timer fired, the coordinator died mid-fan-out,
 *   the event was lost) is invoked again, so that a lane goes on after one of its slices dies. It
 *   starts late or on time, and its results say which; the claim makes a second invocation harmless;
 * - counts each step's recorded results (distinct items: a retried write is counted once) and
 *   merges a step as soon as all of them are in: one reader, instead of every worker reading a
 *   counter at the same moment;
 * - finalises the run when every step is in, or at `finalizeAt` with what has arrived, under
 *   the run's finalisation lock (whoever else tries, it happens once);
 *
 * and hands the watch to a fresh invocation before Lambda's 15 minutes run out.
 */
export async function superviseRun(runId: string, finalizeAt: number, deps: SupervisorDeps, options: SuperviseOptions): Promise<SupervisionOutcome> {
  let watch: Watch | undefined;
  for (;;) {
    const run = await deps.results.getRun(runId);
    if (!run) throw new Error(`run ${runId} is not in the runs table`);
    if (run.status !== 'running') return { kind: 'already-final', runStatus: run.status };
    watch ??= await startWatch(run, deps);
    if (!run.stopRequested) await takeUpLostSlices(run, watch, deps, options);
    const allIn = await mergeCompleteSteps(run, watch, deps);
    if (allIn || Date.now() >= finalizeAt) {
      const report = await finalizeRunOnce(deps, runId, { owner: options.owner, whileRunning: true, leaseMs: options.leaseMs });
      if (report) return { kind: 'finalized', runStatus: report.status };
      // Another finaliser holds the lock (or has just finished): watch on until the run is final,
      // or its lease runs out and this one takes over.
    }
    const budget = options.remainingMs() - HANDOVER_MARGIN_MS;
    if (budget <= 0) {
      await deps.invoker.invokeAggregator({ runId, finalizeAt });
      return { kind: 'rescheduled', finalizeAt };
    }
    const untilDeadline = finalizeAt - Date.now();
    await sleep(Math.max(0, Math.min(options.pollMs, untilDeadline > 0 ? untilDeadline : options.pollMs, budget)));
  }
}

async function startWatch(run: RunRecord, deps: SupervisorDeps): Promise<Watch> {
  const plan = await loadPlan(deps.blobs, run.runId);
  return { plan, invocations: plannedInvocations(plan, run.startAt), claimed: new Map(), invoked: new Map(), done: new Map(), merged: new Set(), partsDone: run.partsDone };
}

/** The planned slices whose claim is overdue and whose window still has time in it. */
function overdueSlices(run: RunRecord, watch: Watch, graceMs: number, now: number): SliceTask[] {
  return watch.invocations.flatMap(({ task, atOffsetMs }) => {
    // The coordinator's fan-out began when the run's item was written.
    const plannedAt = atOffsetMs === undefined ? run.createdAt : run.startAt + atOffsetMs;
    if (now < plannedAt + graceMs) return [];
    if (watch.claimed.get(task.slice)?.has(task.lane)) return [];
    if (now > sliceWindow(watch.plan, task).plannedEnd - MIN_WINDOW_LEFT_MS) return [];
    return [task];
  });
}

async function takeUpLostSlices(run: RunRecord, watch: Watch, deps: SupervisorDeps, options: SuperviseOptions): Promise<void> {
  const candidates = overdueSlices(run, watch, options.claimGraceMs, Date.now());
  // One read of the claims per slice window with a claim outstanding: usually none at all.
  for (const slice of new Set(candidates.map((task) => task.slice))) {
    watch.claimed.set(slice, new Set(await deps.results.listClaims(run.runId, slice)));
  }
  for (const task of candidates) {
    const key = `${task.lane}/${task.slice}`;
    if (watch.claimed.get(task.slice)?.has(task.lane)) continue;
    // An invocation of ours may still be starting: give it the same grace before another.
    const last = watch.invoked.get(key);
    if (last !== undefined && (last.times >= MAX_TAKE_UPS || Date.now() < last.at + options.claimGraceMs)) continue;
    watch.invoked.set(key, { at: Date.now(), times: (last?.times ?? 0) + 1 });
    options.log?.(`run ${run.runId}: lane ${task.lane} slice ${task.slice} has not been claimed in time; invoking it`);
    await deps.invoker.invokeSlice(task).catch((error: unknown) => options.log?.(`invoking lane ${task.lane} slice ${task.slice} failed: ${String(error)}`));
  }
}

/** Merges every step whose results are all in (once); true when every step has been. */
async function mergeCompleteSteps(run: RunRecord, watch: Watch, deps: SupervisorDeps): Promise<boolean> {
  const { plan } = watch;
  const elapsed = Date.now() - run.startAt;
  for (const step of plan.steps) {
    if (watch.merged.has(step.index)) continue;
    // Each slice records its part of a step as the step ends there: not all in before the step's end.
    if (elapsed < step.startOffsetMs + step.durationMs) continue;
    const expected = expectedParts(plan, step.index);
    const recorded = new Set((await deps.results.listDoneParts(run.runId, step.index)).map((part) => `${part.slice}/${part.lane}`));
    const done = expected.filter((part) => recorded.has(`${part.slice}/${part.lane}`)).length;
    watch.done.set(step.index, done);
    if (done === expected.length) {
      await aggregateStep(deps, run.runId, step.index);
      watch.merged.add(step.index);
    }
  }
  const partsDone = [...watch.done.values()].reduce((sum, done) => sum + done, 0);
  if (partsDone !== watch.partsDone) {
    await deps.results.updateRun(run.runId, { partsDone });
    watch.partsDone = partsDone;
  }
  return watch.merged.size === plan.steps.length;
}
