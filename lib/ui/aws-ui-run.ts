import type { FanoutApiClient } from '../api/api-client.js';
import type { RunStatusResponse } from '../api/api-schemas.js';
import { isIntervalComplete } from '../progress/remote-progress.js';
import type { RunSettings } from '../config/run-settings.js';
import type { Architecture, CostEstimate } from '../cost/estimate-cost.js';
import { formatCostEstimate } from '../cost/estimate-cost.js';
import type { RunPlan } from '../plan/run-plan.js';
import type { Report } from '../report/report-types.js';
import { runAws } from '../run/run-aws.js';
import { livePlanOf } from './local-ui-run.js';
import type { CostEstimateView, LiveRunState, LiveRunView } from './ui-api.js';
import { errorText, RunLog, type UiRun } from './ui-run.js';
import type { UiPlatform } from './ui-server.js';

export interface AwsUiOptions {
  api: FanoutApiClient;
  apiUrl: string;
  outDir: string;
  workerMemoryMb: number;
  architecture: Architecture;
  /** Runs estimated above this start only once the page has confirmed their estimate. */
  maxCostUsd: number;
  pollMs?: number;
}

/**
 * The run's estimate is above --max-cost and the person has not accepted it in the page (or accepted
 * a lower one, for a form since changed): nothing was started.
 */
export class CostNotConfirmed extends Error {
  constructor(readonly estimate: CostEstimateView) {
    super(`estimated $${estimate.totalUsd.toFixed(2)} is above --max-cost ($${estimate.maxCostUsd.toFixed(2)})`);
  }
}

/**
 * A run on the deployed stack, driven through its HTTP API exactly as `fanout run --platform aws`
 * does (runAws): live counters come from GET /runs/{id} (requests, errors and users per interval,
 * added up in DynamoDB; no live percentiles or per-name tables), the report from S3 at the end.
 */
export class AwsUiRun implements UiRun {
  readonly ended: Promise<void>;
  /** Resolves once the API has accepted the run; rejects (with the CLI's InputError) when it did not. */
  readonly started: Promise<void>;
  private plan: RunPlan | undefined;
  private report: Report | undefined;
  private error: string | undefined;
  private status: RunStatusResponse | undefined;
  private readonly intervals = new Map<number, RunStatusResponse['progress']['recent'][number]>();
  private readonly log = new RunLog();
  private readonly stopper = new AbortController();
  private done = false;
  private estimate: CostEstimate | undefined;
  /** Set when the estimate needed a confirmation the form did not carry. */
  unconfirmedEstimate: CostEstimateView | undefined;

  /** `confirmedCostUsd`: the estimate the person accepted in the page, if any. */
  constructor(settings: RunSettings, options: AwsUiOptions, confirmedCostUsd: number | undefined) {
    let accepted!: () => void;
    let refused!: (error: unknown) => void;
    this.started = new Promise<void>((resolve, reject) => {
      accepted = resolve;
      refused = reject;
    });
    let running = false;
    this.ended = runAws({
      settings,
      api: options.api,
      outDir: options.outDir,
      workerMemoryMb: options.workerMemoryMb,
      architecture: options.architecture,
      maxCostUsd: options.maxCostUsd,
      // Never a blanket yes: above the limit, the run starts only at an estimate the person has seen.
      yes: false,
      confirm: async () => {
        const estimate = this.estimate!;
        if (confirmedCostUsd !== undefined && estimate.totalUsd <= confirmedCostUsd) return true;
        this.unconfirmedEstimate = { totalUsd: estimate.totalUsd, maxCostUsd: options.maxCostUsd, summary: formatCostEstimate(estimate) };
        return false;
      },
      signal: this.stopper.signal,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      onPlan: (plan, estimate) => {
        this.plan = plan;
        this.estimate = estimate;
        this.log.add(formatCostEstimate(estimate).split('\n')[0] ?? '');
      },
      onStarted: (runId) => {
        running = true;
        this.log.add(`run ${runId} started on ${options.apiUrl}`);
        accepted();
      },
      onProgress: (status) => this.absorb(status),
      log: this.log.add,
    }).then(
      (result) => {
        this.report = result.report;
        this.log.add(`report downloaded: ${result.reportPath}`);
      },
      (error: unknown) => {
        if (!running) refused(error);
        this.error = errorText(error);
        this.log.add(`the run failed: ${this.error}`);
      },
    ).finally(() => (this.done = true));
  }

  get runId(): string {
    return this.plan?.runId ?? '';
  }

  get active(): boolean {
    return !this.done;
  }

  stop(): void {
    if (this.done || this.stopper.signal.aborted) return;
    this.stopper.abort();
  }

  /** The API returns the last few intervals: keep every one seen, newer numbers replacing older. */
  private absorb(status: RunStatusResponse): void {
    this.status = status;
    for (const interval of status.progress.recent) this.intervals.set(interval.interval, interval);
  }

  private state(): LiveRunState {
    if (this.report) return 'finished';
    if (this.done) return 'crashed';
    return this.stopper.signal.aborted || this.status?.run.stopRequested ? 'stopping' : 'running';
  }

  async view(since: number): Promise<LiveRunView> {
    const plan = this.plan!;
    const run = this.status?.run;
    const elapsedMs = run ? Math.max(0, Math.min(Date.now(), run.plannedEndAt) - run.startAt) : 0;
    const intervalMs = this.status?.progress.intervalMs ?? plan.timelineIntervalMs;
    const now = run ? Date.now() - run.startAt : 0;
    // Only intervals every worker has reported: a point drawn once is never a share of the workers.
    const intervals = [...this.intervals.values()].filter((interval) => isIntervalComplete(interval, intervalMs, now)).sort((a, b) => a.interval - b.interval);
    const seconds = intervalMs / 1000;
    return {
      plan: livePlanOf(plan),
      state: this.state(),
      ...(this.report ? { status: this.report.status } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
      elapsedS: elapsedMs / 1000,
      step: Math.min(plan.steps.length - 1, Math.floor(elapsedMs / plan.settings.stepDurationMs)),
      requests: intervals.reduce((sum, interval) => sum + interval.requests, 0),
      errors: intervals.reduce((sum, interval) => sum + interval.errors, 0),
      timeline: intervals
        .filter((interval) => interval.interval >= since)
        .map((interval) => ({
          t: interval.interval * seconds,
          users: interval.users,
          rps: Math.round((interval.requests / seconds) * 100) / 100,
          errors: interval.errors,
          p50: null,
          p95: null,
          p99: null,
        })),
      liveTables: false,
      requestRows: [],
      errorRows: [],
      log: this.log.all(),
    };
  }
}

/** The UI's AWS platform: a stack to talk to (`fanout ui --api URL` or `--stack NAME`). */
export function awsUiPlatform(options: AwsUiOptions): UiPlatform {
  return {
    available: true,
    start: async (settings, form) => {
      const run = new AwsUiRun(settings, options, form.confirmCostUsd);
      try {
        await run.started;
      } catch (error) {
        throw run.unconfirmedEstimate ? new CostNotConfirmed(run.unconfirmedEstimate) : error;
      }
      return run;
    },
  };
}
