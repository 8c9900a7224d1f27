import { settingsFromRunRequest } from '../api/run-request.js';
import { InputError } from '../config/input-error.js';
import { formatDuration } from '../config/duration.js';
import { findQuotaShortfall, type LambdaQuotas } from '../coordinator/check-quotas.js';
import { startRun } from '../coordinator/start-run.js';
import { peakWorkerConcurrency, workerTailMs } from '../cost/worker-concurrency.js';
import { stackLimitRefusal } from '../guard/check-stack-limits.js';
import type { StackLimits } from '../guard/stack-limits.js';
import { planRun, type RunPlan } from '../plan/run-plan.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Invoker } from '../ports/invoker.js';
import type { ResultStore, RunRecord } from '../ports/result-store.js';
import type { SecretsKeeper } from '../ports/secrets-keeper.js';
import { sealSettings, type SealedSettings } from '../secrets/sealed-settings.js';
import type { CoordinatorEvent, CoordinatorResult } from './lambda-events.js';

export interface CoordinateDeps {
  blobs: BlobStore;
  results: ResultStore;
  invoker: Invoker;
  readQuotas: () => Promise<LambdaQuotas>;
  /** Keeps the run's secrets for its workers, encrypted (the plan carries markers in their place). */
  secrets: SecretsKeeper;
}

export interface CoordinateOptions {
  barrierMs: number;
  workerTimeoutMs: number;
  stragglerGraceMs: number;
  /** How far ahead a lane's next slice is invoked (the plan's default when absent). */
  chainLeadMs?: number;
  /** The stack's limits (checked by the API already; again here, where the run would start). */
  limits?: StackLimits;
}

/** Left between a worker's planned end of work and its timeout, beyond the drain and the writes. */
const TIMEOUT_MARGIN_MS = 15_000;

/** When the watchdog finalises a run whose slices have not all arrived. */
export function runDeadline(run: Pick<RunRecord, 'plannedEndAt' | 'drainMs'>, stragglerGraceMs: number): number {
  return run.plannedEndAt + run.drainMs + stragglerGraceMs;
}

/** A slice, its start lead and its drain (each request up to its timeout) must fit one invocation. */
function sliceTooLong(plan: RunPlan, workerTimeoutMs: number): InputError | undefined {
  const longest = Math.max(...plan.slices.map((slice) => slice.durationMs));
  const overhead = plan.chainLeadMs + workerTailMs(plan.settings.timeoutMs) + TIMEOUT_MARGIN_MS;
  if (longest + overhead <= workerTimeoutMs) return undefined;
  return new InputError([
    {
      field: 'load.sliceDuration',
      message:
        `a slice of ${formatDuration(longest)} does not fit the worker's ${formatDuration(workerTimeoutMs)} timeout with its ` +
        `${formatDuration(overhead)} of start lead, drain (the ${formatDuration(plan.settings.timeoutMs)} request timeout) and writes; ` +
        `use at most ${formatDuration(workerTimeoutMs - overhead)} (--slice-duration), or a shorter --timeout`,
    },
  ]);
}

/**
 * The coordinator: plans the run from the request, refuses it when Lambda's concurrency cannot
 * hold its busiest moment, then starts it through the core (plan stored, run item written, start
 * barrier set, first slices fanned out). The run's supervisor (an aggregator invocation that
 * watches it to its deadline) is armed before the first worker is invoked: should this function
 * die half-way through the fan-out (a timeout, an out-of-memory kill: no `finally` runs then),
 * the supervisor invokes the lanes it never reached, and the run ends by its deadline whoever polls.
 */
export async function coordinateRun(event: CoordinatorEvent, deps: CoordinateDeps, options: CoordinateOptions): Promise<CoordinatorResult> {
  let plan: RunPlan;
  let sealed: SealedSettings;
  try {
    const settings = settingsFromRunRequest(event.scenario);
    // The plan, the run's item and its report carry markers; the values go to the workers encrypted.
    sealed = sealSettings(settings);
    plan = planRun(sealed.settings, { platform: 'aws', runId: event.runId, chainLeadMs: options.chainLeadMs, sealedSecrets: sealed.secrets.entries.length });
    const refusal = options.limits && stackLimitRefusal(settings, plan, options.limits, options.barrierMs);
    if (refusal) return { outcome: 'limit', ...refusal };
    const problem = sliceTooLong(plan, options.workerTimeoutMs);
    if (problem) throw problem;
  } catch (error) {
    if (error instanceof InputError) return { outcome: 'bad-input', problems: error.problems };
    throw error;
  }

  const peakConcurrentWorkers = peakWorkerConcurrency(plan, options.barrierMs);
  const shortfall = findQuotaShortfall(peakConcurrentWorkers, await deps.readQuotas(), options.limits?.concurrencyHeadroom);
  if (shortfall) return { outcome: 'quota', ...shortfall };
  if (await deps.results.getRun(plan.runId)) return { outcome: 'exists', runId: plan.runId };
  if (plan.sealedSecrets) {
    try {
      await deps.secrets.keep(plan.runId, sealed.secrets);
    } catch (error) {
      if (error instanceof InputError) return { outcome: 'bad-input', problems: error.problems };
      throw error;
    }
  }

  const record = await startRun(plan, deps, {
    barrierMs: options.barrierMs,
    ...(event.owner ? { owner: event.owner } : {}),
    beforeFanOut: (run) => deps.invoker.invokeAggregator({ runId: run.runId, finalizeAt: runDeadline(run, options.stragglerGraceMs) }),
  });
  return {
    outcome: 'started',
    runId: record.runId,
    startAt: record.startAt,
    plannedEndAt: record.plannedEndAt,
    steps: record.steps,
    totalSlices: record.totalSlices,
    peakConcurrentWorkers,
    warnings: plan.warnings,
  };
}
