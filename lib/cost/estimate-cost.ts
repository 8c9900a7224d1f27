import { MAX_DRAIN_MS } from '../engine/load-session.js';
import { totalSliceTasks, type RunPlan } from '../plan/run-plan.js';
import { peakWorkerConcurrency, workerSpans } from './worker-concurrency.js';

export type Architecture = 'arm64' | 'x86_64';

/**
 * Public on-demand prices in us-east-1 (checked 2026-11): Lambda per GB-second by architecture and
 * per request; S3 per PUT and GET; DynamoDB on demand per write and read request unit. Other
 * regions differ by a few per cent; the estimate says which prices it used.
 */
export const PRICES = {
  lambdaGbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 },
  lambdaRequest: 0.2 / 1_000_000,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
  dynamoWrite: 0.625 / 1_000_000,
  dynamoRead: 0.125 / 1_000_000,
} as const;

export interface CostOptions {
  workerMemoryMb: number;
  architecture: Architecture;
  /** The start barrier: first-slice workers are billed while they wait for it. */
  barrierMs: number;
  /** The aggregator's memory (it also stands watch over the run as its deadline). */
  aggregatorMemoryMb?: number;
  stragglerGraceMs?: number;
}

export interface CostEstimate {
  architecture: Architecture;
  workerMemoryMb: number;
  workerInvocations: number;
  workerGbSeconds: number;
  otherGbSeconds: number;
  lambdaRequests: number;
  peakConcurrentWorkers: number;
  lambdaComputeUsd: number;
  lambdaRequestsUsd: number;
  storageRequestsUsd: number;
  totalUsd: number;
}

/** A worker's writes after its slice (histograms, completion) when nothing is left to drain. */
const BILLED_TAIL_MS = 2000;
const DEFAULT_AGGREGATOR_MEMORY_MB = 1024;
/** Seconds of one step's merge (reading and adding its slices' histograms). */
const AGGREGATION_S = 5;
const COORDINATOR_S = 5;

/**
 * What a run costs on Lambda before it starts: each worker invocation billed from its invoke
 * (it waits for its start inside the invocation) to its slice's end and its writes, at the worker's
 * memory; the coordinator, step merges and the watchdog; and the S3 and DynamoDB requests
 * (stop-flag reads once a second, progress writes once an interval).
 */
export function estimateCost(plan: RunPlan, options: CostOptions): CostEstimate {
  const workerGb = options.workerMemoryMb / 1024;
  const otherGb = (options.aggregatorMemoryMb ?? DEFAULT_AGGREGATOR_MEMORY_MB) / 1024;
  let workerSeconds = 0;
  let runningWorkerSeconds = 0;
  for (const span of workerSpans(plan, options.barrierMs)) {
    workerSeconds += (span.count * (span.plannedEnd - span.invokedAt + BILLED_TAIL_MS)) / 1000;
    runningWorkerSeconds += (span.count * (span.plannedEnd - span.plannedStart)) / 1000;
  }
  const workerInvocations = totalSliceTasks(plan);
  const watchdogSeconds = (options.barrierMs + plan.totalDurationMs + MAX_DRAIN_MS + (options.stragglerGraceMs ?? 60_000)) / 1000;
  const otherSeconds = COORDINATOR_S + AGGREGATION_S * (plan.steps.length + 1) + watchdogSeconds;
  const workerGbSeconds = workerSeconds * workerGb;
  const otherGbSeconds = otherSeconds * otherGb;
  // Invocations: the API's, the coordinator's, one per slice task, a merge per step, the final one,
  // the watchdog (re-invoking itself every ~14 minutes on long runs).
  const lambdaRequests = 2 + workerInvocations + plan.steps.length + 1 + Math.ceil(watchdogSeconds / 840);

  const intervals = runningWorkerSeconds / (plan.timelineIntervalMs / 1000);
  const dynamoWrites = 3 * workerInvocations + intervals + plan.steps.length * 2 + 4;
  const dynamoReads = 0.5 * runningWorkerSeconds + workerInvocations;
  const s3Puts = workerInvocations + 2;
  // Each slice is read by its step's merge and by the final merge; a cold worker reads the plan.
  const s3Gets = workerInvocations * 3;

  const lambdaComputeUsd = (workerGbSeconds + otherGbSeconds) * PRICES.lambdaGbSecond[options.architecture];
  const lambdaRequestsUsd = lambdaRequests * PRICES.lambdaRequest;
  const storageRequestsUsd =
    s3Puts * PRICES.s3Put + s3Gets * PRICES.s3Get + dynamoWrites * PRICES.dynamoWrite + dynamoReads * PRICES.dynamoRead;
  return {
    architecture: options.architecture,
    workerMemoryMb: options.workerMemoryMb,
    workerInvocations,
    workerGbSeconds,
    otherGbSeconds,
    lambdaRequests,
    peakConcurrentWorkers: peakWorkerConcurrency(plan, options.barrierMs),
    lambdaComputeUsd,
    lambdaRequestsUsd,
    storageRequestsUsd,
    totalUsd: lambdaComputeUsd + lambdaRequestsUsd + storageRequestsUsd,
  };
}

const usd = (value: number) => {
  if (value >= 0.1) return `$${value.toFixed(2)}`;
  if (value >= 0.001) return `$${value.toFixed(3)}`;
  return value >= 0.0001 ? `$${value.toFixed(4)}` : '<$0.0001';
};
const count = (value: number) => Math.round(value).toLocaleString('en-US');

export function formatCostEstimate(estimate: CostEstimate): string {
  return [
    `cost estimate (us-east-1 on-demand prices, ${estimate.architecture}, ${estimate.workerMemoryMb} MB workers):`,
    `  workers        ${count(estimate.workerInvocations)} invocations, ${count(estimate.workerGbSeconds)} GB-s, ` +
      `at most ${count(estimate.peakConcurrentWorkers)} at once`,
    `  other functions ${count(estimate.otherGbSeconds)} GB-s (coordinator, step merges, the run's watchdog)`,
    `  Lambda         ${usd(estimate.lambdaComputeUsd)} compute + ${usd(estimate.lambdaRequestsUsd)} for ${count(estimate.lambdaRequests)} requests`,
    `  S3 + DynamoDB  ${usd(estimate.storageRequestsUsd)} in requests`,
    `  total          ≈ ${usd(estimate.totalUsd)}`,
  ].join('\n');
}
