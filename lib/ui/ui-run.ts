import type { LiveRunView } from './ui-api.js';

/**
 * A run started from the web UI, on either platform: the page polls its live view and may stop it.
 * Runs started elsewhere (the CLI, an earlier UI) show as their reports instead.
 */
export interface UiRun {
  readonly runId: string;
  /** True until the run has ended (its report written, or it crashed). */
  readonly active: boolean;
  /** Settles when the run has ended, never rejects. */
  readonly ended: Promise<void>;
  /** The live view, with the timeline from interval `since` on. */
  view(since: number): Promise<LiveRunView>;
  /** Asks the workers to stop; the run still ends with a report (status aborted). */
  stop(): void;
  /** When the process must exit now: the report from what is on disk, if the run's data is here (its path). */
  finalizeNow?(): Promise<string | undefined>;
}

/** The last lines of a run's log the page shows. */
export class RunLog {
  private readonly lines: string[] = [];
  constructor(private readonly keep = 50) {}

  add = (message: string): void => {
    this.lines.push(`${new Date().toISOString().slice(11, 19)} ${message}`);
    if (this.lines.length > this.keep) this.lines.shift();
  };

  all(): string[] {
    return [...this.lines];
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
