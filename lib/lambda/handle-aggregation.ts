import { setTimeout as sleep } from 'node:timers/promises';
import { aggregateStep, finalizeRun } from '../aggregate/aggregate-run.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { AggregateRequest, Invoker } from '../ports/invoker.js';
import type { ResultStore, RunStatus } from '../ports/result-store.js';

export interface AggregationDeps {
  blobs: BlobStore;
  results: ResultStore;
  invoker: Invoker;
}

export interface AggregationOptions {
  /** Time left in this invocation (the Lambda context's getRemainingTimeInMillis). */
  remainingMs: () => number;
  /** While standing watch, how often the run is read to see whether it ended already. */
  pollMs?: number;
}

export type AggregationOutcome =
  | { kind: 'step'; step: number; stepStatus: 'completed' | 'partial'; runStatus?: RunStatus }
  | { kind: 'finalized'; runStatus: RunStatus }
  | { kind: 'already-final'; runStatus: RunStatus }
  | { kind: 'rescheduled'; finalizeAt: number };

/** Time kept in hand for the final merge when a watch must hand over to a fresh invocation. */
const HANDOVER_MARGIN_MS = 60_000;
const DEFAULT_POLL_MS = 15_000;

/**
 * The aggregator's three jobs. A step whose slices are all in: merge it exactly into its item, and
 * when every step is complete, finalise the run (report.json and status). A deadline (`finalizeAt`):
 * stand watch until then and finalise with what has arrived if the run is still running (the
 * straggler and stop path), handing the watch to a fresh invocation before Lambda's 15 minutes run
 * out. Neither: finalise now. Every path can run twice and gives the same result.
 */
export async function handleAggregation(request: AggregateRequest, deps: AggregationDeps, options: AggregationOptions): Promise<AggregationOutcome> {
  const { runId } = request;
  if (request.step !== undefined) {
    const step = await aggregateStep(deps, runId, request.step);
    const run = await deps.results.getRun(runId);
    const steps = await deps.results.listSteps(runId);
    const allIn = run !== undefined && steps.length >= run.steps && steps.every((record) => record.status === 'completed');
    if (!allIn) return { kind: 'step', step: request.step, stepStatus: step.status };
    const report = await finalizeRun(deps, runId);
    return { kind: 'step', step: request.step, stepStatus: step.status, runStatus: report.status };
  }

  if (request.finalizeAt !== undefined) {
    const finalizeAt = request.finalizeAt;
    const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    for (;;) {
      const run = await deps.results.getRun(runId);
      if (!run) throw new Error(`run ${runId} is not in the runs table`);
      if (run.status !== 'running') return { kind: 'already-final', runStatus: run.status };
      const wait = finalizeAt - Date.now();
      if (wait <= 0) break;
      const budget = options.remainingMs() - HANDOVER_MARGIN_MS;
      if (budget <= 0) {
        await deps.invoker.invokeAggregator({ runId, finalizeAt });
        return { kind: 'rescheduled', finalizeAt };
      }
      await sleep(Math.min(wait, budget, pollMs));
    }
  }
  const report = await finalizeRun(deps, runId);
  return { kind: 'finalized', runStatus: report.status };
}
