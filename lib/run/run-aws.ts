import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, type FanoutApiClient } from '../api/api-client.js';
import type { RunStatusResponse } from '../api/api-schemas.js';
import { scenarioDocumentOf } from '../api/scenario-document.js';
import { InputError } from '../config/input-error.js';
import type { RunSettings } from '../config/run-settings.js';
import { estimateCost, type Architecture, type CostEstimate } from '../cost/estimate-cost.js';
import { makePrivateDir, writeFileAtomically } from '../files/private-files.js';
import { newRunId, planRun, type RunPlan } from '../plan/run-plan.js';
import type { Report } from '../report/report-types.js';
import { sealSettings } from '../secrets/sealed-settings.js';
import { problemsOfRefusal } from './stack-refusal.js';

export interface AwsRunOptions {
  settings: RunSettings;
  api: FanoutApiClient;
  /** report.json is written to `<outDir>/<runId>/report.json`. */
  outDir: string;
  workerMemoryMb: number;
  architecture: Architecture;
  /** Above this estimate (USD) the run needs a yes: `confirm`, or `yes` given up front. */
  maxCostUsd: number;
  yes: boolean;
  /** Asks the person at the terminal; absent (not a terminal): the answer is no. */
  confirm?: (question: string) => Promise<boolean>;
  onPlan?: (plan: RunPlan, estimate: CostEstimate) => void;
  onStarted?: (runId: string) => void;
  onProgress?: (status: RunStatusResponse) => void;
  log?: (message: string) => void;
  /** Aborting it asks the stack to stop the run; the report still comes (status aborted). */
  signal?: AbortSignal;
  pollMs?: number;
  /** The barrier the deployed coordinator sets, for the estimate (its default). */
  barrierMs?: number;
}

export interface AwsRunResult {
  report: Report;
  reportPath: string;
  runId: string;
}

/** How long after the planned end the CLI waits for the stack's watchdog before giving up itself. */
const CLIENT_PATIENCE_MS = 10 * 60_000;

/**
 * `fanout run --platform aws`: plans locally to show the plan and its cost, asks above the cost
 * limit, starts the run through the API (the stack re-plans the same settings under the same id),
 * follows it from the runs table, and downloads report.json when the stack has finalised it.
 */
export async function runAws(options: AwsRunOptions): Promise<AwsRunResult> {
  const runId = newRunId();
  // What is shown and logged here carries markers; the clear settings go only to the API (TLS, SigV4).
  const sealed = sealSettings(options.settings);
  const log = sealed.redactor.log(options.log ?? (() => {}));
  const plan = planRun(sealed.settings, { platform: 'aws', runId, sealedSecrets: sealed.secrets.entries.length });
  const estimate = estimateCost(plan, {
    workerMemoryMb: options.workerMemoryMb,
    architecture: options.architecture,
    barrierMs: options.barrierMs ?? 10_000,
  });
  options.onPlan?.(plan, estimate);
  if (estimate.totalUsd > options.maxCostUsd && !options.yes) {
    const question = `the estimate ($${estimate.totalUsd.toFixed(2)}) is above --max-cost ($${options.maxCostUsd.toFixed(2)}); start the run?`;
    const agreed = options.confirm ? await options.confirm(question) : false;
    if (!agreed) {
      throw new InputError([
        { field: '--max-cost', message: `estimated $${estimate.totalUsd.toFixed(2)} is above $${options.maxCostUsd.toFixed(2)}; raise --max-cost or pass --yes` },
      ]);
    }
  }

  await startOnce(options.api, options.settings, runId, log);
  options.onStarted?.(runId);

  let stopSent = false;
  const stop = async () => {
    if (stopSent) return;
    stopSent = true;
    try {
      await options.api.stopRun(runId);
      log(`stop requested: workers end within about 2 s; the report follows`);
    } catch (error) {
      log(`the stop request failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const onAbort = () => void stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let status = await options.api.getRun(runId);
    const giveUpAt = status.run.plannedEndAt + CLIENT_PATIENCE_MS;
    while (status.run.status === 'running') {
      options.onProgress?.(status);
      if (Date.now() > giveUpAt) {
        throw new Error(`run ${runId} is still not finalised ${CLIENT_PATIENCE_MS / 60_000} minutes after its planned end; see fanout status ${runId}`);
      }
      await sleep(options.pollMs ?? 2000);
      // The API client retried with backoff already; a poll that still failed is skipped, not fatal:
      // the run goes on in the stack, and the next poll may get through.
      status = await options.api.getRun(runId).catch((error: unknown) => {
        if (!isTransient(error)) throw error;
        log(`reading the run's status failed (${error instanceof Error ? error.message : String(error)}); trying again`);
        return status;
      });
    }
    options.onProgress?.(status);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return downloadReport(options.api, runId, options.outDir);
}

/** Failures of the way to the API, not answers about the run: worth another try. */
function isTransient(error: unknown): boolean {
  if (error instanceof ApiError) return error.status === 429 || error.status >= 500;
  return error instanceof Error && !(error instanceof InputError);
}

/**
 * Starts the run under the id the CLI chose. A start whose answer was lost and was retried (by
 * the API client) meets its own run: 409 `exists` for this fresh id means it started. A start the
 * stack answered with a failure may still have started the run (its coordinator died after
 * writing it; the run's supervisor takes over): if the run exists, it is followed.
 */
async function startOnce(api: FanoutApiClient, settings: RunSettings, runId: string, log: (message: string) => void): Promise<void> {
  try {
    await api.startRun(scenarioDocumentOf(settings), runId);
  } catch (error) {
    // Bad input, or past one of the stack's limits: nothing was started.
    const problems = error instanceof ApiError ? problemsOfRefusal(error) : undefined;
    if (problems) throw new InputError(problems);
    if (error instanceof ApiError && error.status === 409 && error.body.error === 'exists') return;
    if (!isTransient(error)) throw error;
    const started = await api.getRun(runId).then(
      () => true,
      () => false,
    );
    if (!started) throw error;
    log(`starting run ${runId} answered ${error instanceof Error ? error.message : String(error)}, but the run exists: following it`);
  }
}

/**
 * Downloads a finalised run's report.json to `<outDir>/<runId>/report.json`, owner-only and whole or
 * not at all (a second download, or the UI reading it meanwhile, never meets half a file).
 */
export async function downloadReport(api: FanoutApiClient, runId: string, outDir: string): Promise<AwsRunResult> {
  const link = await api.reportLink(runId);
  const { text, report } = await api.downloadReport(link.url);
  const runDir = join(resolve(outDir), runId);
  await makePrivateDir(runDir);
  const reportPath = join(runDir, 'report.json');
  await writeFileAtomically(reportPath, text);
  return { report, reportPath, runId };
}
