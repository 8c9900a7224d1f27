import type { RunSettings } from '../config/run-settings.js';
import { newRunId, type RunPlan } from '../plan/run-plan.js';
import type { LiveProgress } from '../progress/live-progress.js';
import type { Report } from '../report/report-types.js';
import { finalizeOnDisk } from '../run/finalize-on-disk.js';
import { runLocal } from '../run/run-local.js';
import type { LivePlan, LiveRunState, LiveRunView } from './ui-api.js';
import { errorText, RunLog, type UiRun } from './ui-run.js';

export function livePlanOf(plan: RunPlan): LivePlan {
  const settings = plan.settings;
  return {
    runId: plan.runId,
    name: settings.name,
    target: settings.target,
    model: settings.model,
    steps: plan.steps.map((step) => ({
      index: step.index,
      ...(settings.model === 'closed' ? { users: step.level } : { rate: step.level }),
      workers: step.workers,
      startS: step.startOffsetMs / 1000,
      durationS: step.durationMs / 1000,
    })),
    totalS: plan.totalDurationMs / 1000,
    intervalS: plan.timelineIntervalMs / 1000,
    ...(settings.slo !== undefined ? { slo: settings.slo } : {}),
  };
}

/**
 * A run on this machine, in the UI's own process: the same runLocal as `fanout run`, its live
 * progress (timeline, per-name and error tables) read straight from the worker threads' reports.
 */
export class LocalUiRun implements UiRun {
  readonly runId: string;
  readonly ended: Promise<void>;
  private plan: RunPlan | undefined;
  private progress: LiveProgress | undefined;
  private report: Report | undefined;
  private error: string | undefined;
  private readonly log = new RunLog();
  private readonly stopper = new AbortController();
  private done = false;

  constructor(
    settings: RunSettings,
    private readonly outDir: string,
  ) {
    this.runId = newRunId();
    this.ended = runLocal({
      settings,
      outDir,
      runId: this.runId,
      signal: this.stopper.signal,
      onPlan: (plan) => (this.plan = plan),
      onProgress: (progress) => (this.progress = progress),
      log: this.log.add,
    }).then(
      (result) => {
        this.report = result.report;
        this.log.add(`report written: ${result.reportPath}`);
      },
      (error: unknown) => {
        this.error = errorText(error);
        this.log.add(`the run failed: ${this.error}`);
      },
    ).finally(() => (this.done = true));
  }

  get active(): boolean {
    return !this.done;
  }

  stop(): void {
    if (this.done || this.stopper.signal.aborted) return;
    this.log.add('stop requested: workers end within about a second');
    this.stopper.abort();
  }

  async finalizeNow(): Promise<string | undefined> {
    if (this.done || !this.plan) return undefined;
    return (await finalizeOnDisk(this.outDir, this.runId, 'fanout ui was stopped at once by a second interrupt')).reportPath;
  }

  private state(): LiveRunState {
    if (this.report) return 'finished';
    if (this.done) return 'crashed';
    return this.stopper.signal.aborted ? 'stopping' : 'running';
  }

  async view(since: number): Promise<LiveRunView> {
    // The plan exists as soon as runLocal has planned (before any load), which is before the first poll
    // can arrive, except with a demo target still starting: then an empty plan stands in.
    const plan = this.plan;
    const snapshot = this.progress?.snapshot();
    return {
      plan: plan ? livePlanOf(plan) : { runId: this.runId, name: '', target: '', model: 'closed', steps: [], totalS: 0, intervalS: 1 },
      state: this.state(),
      ...(this.report ? { status: this.report.status } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
      elapsedS: snapshot ? snapshot.elapsedMs / 1000 : 0,
      step: snapshot?.step ?? 0,
      requests: snapshot?.requests ?? 0,
      errors: snapshot?.errors ?? 0,
      timeline: this.progress?.timeline(since) ?? [],
      liveTables: true,
      requestRows: this.progress?.requestRows() ?? [],
      errorRows: this.progress?.errorRows() ?? [],
      log: this.log.all(),
    };
  }
}
