import { aggregateStep, finalizeRunOnce } from '../aggregate/aggregate-run.js';
import { superviseRun, type SupervisionOutcome } from '../aggregate/supervise-run.js';
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
  /** This invocation's id (Lambda's request id, the same on its retries). */
  invocationId?: string;
  /** While standing watch, how often the run is looked at. */
  pollMs?: number;
  /** How long a planned slice's claim may take before the supervisor invokes the slice itself. */
  claimGraceMs?: number;
  /** The finalisation lock's lease. */
  leaseMs?: number;
  log?: (message: string) => void;
}

export type AggregationOutcome =
  | { kind: 'step'; step: number; stepStatus: 'completed' | 'partial' }
  | { kind: 'finalized'; runStatus: RunStatus }
  | SupervisionOutcome;

const DEFAULT_POLL_MS = 5000;
const DEFAULT_CLAIM_GRACE_MS = 5000;

/**
 * The aggregator's jobs. A deadline (`finalizeAt`): supervise the run until then (lost slices
 * taken up, complete steps merged, the run finalised once; see supervise-run.ts). A step: merge
 * it into its item. Neither: finalise the run again with what has arrived (late results), under
 * the finalisation lock; while another invocation holds it, fail, so that Lambda retries this one
 * after it. Every path can run twice and gives the same result.
 */
export async function handleAggregation(request: AggregateRequest, deps: AggregationDeps, options: AggregationOptions): Promise<AggregationOutcome> {
  const { runId } = request;
  const owner = options.invocationId ?? `aggregator-${process.pid}-${Date.now()}`;
  if (request.finalizeAt !== undefined) {
    return superviseRun(runId, request.finalizeAt, deps, {
      owner,
      remainingMs: options.remainingMs,
      pollMs: options.pollMs ?? DEFAULT_POLL_MS,
      claimGraceMs: options.claimGraceMs ?? DEFAULT_CLAIM_GRACE_MS,
      leaseMs: options.leaseMs,
      log: options.log,
    });
  }
  if (request.step !== undefined) {
    const step = await aggregateStep(deps, runId, request.step);
    return { kind: 'step', step: request.step, stepStatus: step.status };
  }
  const report = await finalizeRunOnce(deps, runId, { owner, whileRunning: false, leaseMs: options.leaseMs });
  if (!report) throw new Error(`run ${runId} is being finalised by another invocation; this one merges again when retried`);
  return { kind: 'finalized', runStatus: report.status };
}
