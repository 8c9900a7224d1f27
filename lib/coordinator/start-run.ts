import pLimit from 'p-limit';
import { workerTailMs } from '../cost/worker-concurrency.js';
import { storeLaneData, withoutDataRows } from '../flow/lane-data.js';
import type { RunPlan } from '../plan/run-plan.js';
import { firstTasks, planKey, totalStepParts } from '../plan/slice-task.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Invoker } from '../ports/invoker.js';
import type { ResultStore, RunRecord } from '../ports/result-store.js';

export interface CoordinatorDeps {
  blobs: BlobStore;
  results: ResultStore;
  invoker: Invoker;
}

export interface StartRunOptions {
  /** How far ahead the start barrier is set, so that every first-slice worker is up before it. */
  barrierMs: number;
  /** Invocations in flight at once while fanning out. */
  fanOutConcurrency?: number;
  /** Called once the run's item exists and before any worker is invoked: arms the run's supervisor. */
  beforeFanOut?: (run: RunRecord) => Promise<void>;
  /** Who started the run (the API caller's IAM identity), recorded on its item. */
  owner?: string;
}

/**
 * Locust's master, as a function: stores the plan, writes the run's item, sets the start barrier,
 * and fans out the lanes that start at once. Later slices and lanes are invoked by running workers.
 */
export async function startRun(plan: RunPlan, deps: CoordinatorDeps, options: StartRunOptions): Promise<RunRecord> {
  const startAt = Date.now() + options.barrierMs;
  // Data rows go to each lane in its own share; the plan every worker reads keeps their columns only.
  await storeLaneData(deps.blobs, plan);
  await deps.blobs.put(planKey(plan.runId), JSON.stringify(withoutDataRows(plan)), 'application/json');
  const record: RunRecord = {
    runId: plan.runId,
    status: 'running',
    platform: plan.platform,
    target: plan.settings.target,
    model: plan.settings.model,
    createdAt: Date.now(),
    startAt,
    plannedEndAt: startAt + plan.totalDurationMs,
    drainMs: workerTailMs(plan.settings.timeoutMs),
    steps: plan.steps.length,
    totalSlices: totalStepParts(plan),
    stopRequested: false,
    ...(options.owner ? { owner: options.owner } : {}),
  };
  await deps.results.createRun(record);
  await options.beforeFanOut?.(record);
  const limit = pLimit(options.fanOutConcurrency ?? 64);
  await Promise.all(firstTasks(plan, startAt).map((task) => limit(() => deps.invoker.invokeSlice(task))));
  return record;
}
