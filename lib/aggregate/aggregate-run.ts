import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { decodeSliceResult, type SliceResult } from '../engine/slice-result.js';
import type { RunPlan } from '../plan/run-plan.js';
import { expectedParts, reportHtmlKey, reportKey, stepPrefix } from '../plan/slice-task.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ResultStore, StepRecord } from '../ports/result-store.js';
import { buildReport, stepReport } from '../report/build-report.js';
import { renderReportHtml } from '../report/html-report.js';
import type { Report } from '../report/report-types.js';
import { loadPlan } from '../worker/run-slice-task.js';
import { MergedStats } from './merged-stats.js';

export interface AggregatorDeps {
  blobs: BlobStore;
  results: ResultStore;
}

const READ_CONCURRENCY = 32;

/**
 * Reads every result of a step that is in the plan (one per lane and slice covering the step). An
 * unreadable one is reported, not fatal: the rest of the step's data still counts, and
 * completeness shows what is missing.
 */
export async function readStepSlices(blobs: BlobStore, plan: RunPlan, step: number, warnings: string[]): Promise<SliceResult[]> {
  const planned = new Set(expectedParts(plan, step).map(({ slice, lane }) => `${slice}/${lane}.cbor`));
  const prefix = `${stepPrefix(plan.runId, step)}slices/`;
  const keys = (await blobs.list(prefix)).filter((key) => planned.has(key.slice(prefix.length)));
  const limit = pLimit(READ_CONCURRENCY);
  const results = await Promise.all(
    keys.map((key) =>
      limit(async () => {
        const bytes = await blobs.getBytes(key);
        if (bytes === undefined) return undefined;
        try {
          return decodeSliceResult(bytes);
        } catch (error) {
          warnings.push(`${key}: ${(error as Error).message}; left out`);
          return undefined;
        }
      }),
    ),
  );
  return results.filter((result): result is SliceResult => result !== undefined);
}

export async function mergeStep(blobs: BlobStore, plan: RunPlan, step: number, warnings: string[]): Promise<MergedStats> {
  const stats = new MergedStats();
  for (const result of await readStepSlices(blobs, plan, step, warnings)) stats.add(result);
  return stats;
}

function stepRecord(plan: RunPlan, step: number, stats: MergedStats): StepRecord {
  const report = stepReport(plan, plan.steps[step]!, stats);
  return {
    runId: plan.runId,
    step,
    model: plan.settings.model,
    level: plan.steps[step]!.level,
    startedAt: stats.slices === 0 ? 0 : stats.firstStart,
    durationS: report.durationS,
    requests: report.requests,
    errors: report.errors,
    rps: report.rps,
    latency: report.latency,
    expectedSlices: report.completeness.expected,
    receivedSlices: report.completeness.received,
    status: report.status,
  };
}

/** Merges one step exactly and writes its item to the runs table. Running it again writes the same item. */
export async function aggregateStep(deps: AggregatorDeps, runId: string, step: number): Promise<StepRecord> {
  const plan = await loadPlan(deps.blobs, runId);
  const stats = await mergeStep(deps.blobs, plan, step, []);
  const record = stepRecord(plan, step, stats);
  await deps.results.putStep(record);
  return record;
}

/** How long a finaliser holds the run's lock should it die without releasing it. */
export const FINALIZE_LEASE_MS = 5 * 60_000;

export interface FinalizeOnceOptions {
  /** The finaliser's identity (its invocation's id): a retried invocation resumes its own lock. */
  owner: string;
  /**
   * A deadline's finalisation: only while the run is still running, so that a watchdog, its
   * retries and every status read past the deadline finalise it once between them. Without it, a
   * re-finalisation: late results merged into a run that has ended.
   */
  whileRunning: boolean;
  leaseMs?: number;
  /** Said in the report's warnings (a run rebuilt after an interrupt, say). */
  notes?: readonly string[];
}

/**
 * Finalises a run with whatever has arrived, under the run's finalisation lock: every step merged
 * and stored, the totals merged from the steps, report.json (and report.html) written, the failed
 * invocations listed, the run's status set as the lock is released. Undefined when another
 * finaliser holds the lock, or (with `whileRunning`) the run has ended already. Everything is
 * rebuilt from the stored results, so running it again writes the same report, with any late
 * data merged.
 */
export async function finalizeRunOnce(deps: AggregatorDeps, runId: string, options: FinalizeOnceOptions): Promise<Report | undefined> {
  const acquired = await deps.results.acquireFinalization(runId, options.owner, { whileRunning: options.whileRunning, leaseMs: options.leaseMs ?? FINALIZE_LEASE_MS });
  if (!acquired) return undefined;
  const plan = await loadPlan(deps.blobs, runId);
  const run = await deps.results.getRun(runId);
  if (!run) throw new Error(`run ${runId} is not in the runs table`);
  const warnings: string[] = [...(options.notes ?? [])];
  const stepStats: MergedStats[] = [];
  for (const planned of plan.steps) stepStats.push(await mergeStep(deps.blobs, plan, planned.index, warnings));
  await Promise.all(stepStats.map((stats, step) => deps.results.putStep(stepRecord(plan, step, stats))));
  const totals = new MergedStats();
  for (const stats of stepStats) totals.absorb(stats);
  const failedInvocations = await deps.results.listFailures(runId);
  const report = buildReport({
    plan,
    startAt: run.startAt,
    stepStats,
    totals,
    stopRequested: run.stopRequested,
    warnings,
    failedInvocations,
    ...(run.owner ? { owner: run.owner } : {}),
  });
  // report.html is a convenience beside the data: a missing page bundle (a Lambda packaged without
  // dist/web) costs the page, never the report, and the report says so.
  let html: string | undefined;
  try {
    html = renderReportHtml(report);
  } catch (error) {
    report.warnings.push(`report.html was not written: ${error instanceof Error ? error.message : String(error)}`);
  }
  const key = reportKey(runId);
  await deps.blobs.put(key, JSON.stringify(report, null, 2), 'application/json');
  if (html !== undefined) await deps.blobs.put(reportHtmlKey(runId), html, 'text/html; charset=utf-8');
  await deps.results.completeFinalization(runId, options.owner, {
    status: report.status,
    endedAt: Date.now(),
    reportKey: key,
    partsDone: report.completeness.received,
  });
  return report;
}

/** Finalises a run now, whatever its status (one machine, or a re-finalisation); fails if another finaliser holds the lock. */
export async function finalizeRun(deps: AggregatorDeps, runId: string, notes: readonly string[] = []): Promise<Report> {
  const report = await finalizeRunOnce(deps, runId, { owner: randomUUID(), whileRunning: false, notes });
  if (!report) throw new Error(`run ${runId} is being finalised by another invocation`);
  return report;
}
