import type { RunPlan } from '../plan/run-plan.js';
import { totalStepParts } from '../plan/slice-task.js';
import { peakWorkerConcurrency, WORKER_WRITES_MS, workerSpans, workerTailMs } from './worker-concurrency.js';

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

const DEFAULT_AGGREGATOR_MEMORY_MB = 1024;
/**
 * A lane's last slice waits for its requests in flight: about one response time, which the
 * estimate takes as up to 5 s (the deadlines allow the whole request timeout).
 */
const ESTIMATED_DRAIN_MS = 5000;
/** Seconds of one step's merge (reading and adding its slices' histograms). */
const AGGREGATION_S = 5;
const COORDINATOR_S = 5;

/**
 * What a run costs on Lambda before it starts: each slice invocation billed from its invoke (it
 * waits for its start inside the invocation) to its end (a drain at a lane's end, its writes) at
 * the worker's memory; a lane is billed only from the step it joins in; the
 * coordinator, step merges and the watchdog; and the S3 and DynamoDB requests (stop-flag reads
 * once a second, progress writes once an interval, one stored result per lane, slice and step).
 */
export function estimateCost(plan: RunPlan, options: CostOptions): CostEstimate {
  const workerGb = options.workerMemoryMb / 1024;
  const otherGb = (options.aggregatorMemoryMb ?? DEFAULT_AGGREGATOR_MEMORY_MB) / 1024;
  let workerSeconds = 0;
  let runningWorkerSeconds = 0;
  const spans = workerSpans(plan, options.barrierMs);
  const drainMs = Math.min(plan.settings.timeoutMs, ESTIMATED_DRAIN_MS);
  for (const span of spans) {
    const billedEnd = span.plannedEnd + WORKER_WRITES_MS + (span.handsOver ? 0 : drainMs);
    workerSeconds += (billedEnd - span.invokedAt) / 1000;
    runningWorkerSeconds += (span.plannedEnd - span.plannedStart) / 1000;
  }
  const workerInvocations = spans.length;
  const stepResults = totalStepParts(plan);
  const watchdogSeconds = (options.barrierMs + plan.totalDurationMs + workerTailMs(plan.settings.timeoutMs) + (options.stragglerGraceMs ?? 60_000)) / 1000;
  const otherSeconds = COORDINATOR_S + AGGREGATION_S * (plan.steps.length + 1) + watchdogSeconds;
  const workerGbSeconds = workerSeconds * workerGb;
  const otherGbSeconds = otherSeconds * otherGb;
  // Invocations: the API's, the coordinator's, one per slice task, a merge per step, the final one,
  // the watchdog (re-invoking itself every ~14 minutes on long runs).
  const lambdaRequests = 2 + workerInvocations + plan.steps.length + 1 + Math.ceil(watchdogSeconds / 840);

  const intervals = runningWorkerSeconds / (plan.timelineIntervalMs / 1000);
  const dynamoWrites = workerInvocations + 2 * stepResults + intervals + plan.steps.length * 2 + 4;
  const dynamoReads = 0.5 * runningWorkerSeconds + workerInvocations;
  const s3Puts = stepResults + 2;
  // Each step result is read by its step's merge and by the final merge; a cold worker reads the plan.
  const s3Gets = stepResults * 2 + workerInvocations;

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
