import type { LatencySummary } from '../report/report-types.js';
import type { Platform } from '../plan/run-plan.js';
import type { SliceTask } from '../plan/slice-task.js';

export type RunStatus = 'running' | 'completed' | 'partial' | 'aborted' | 'failed';

/** The run's item in the runs table. */
export interface RunRecord {
  runId: string;
  status: RunStatus;
  platform: Platform;
  target: string;
  model: 'closed' | 'open';
  createdAt: number;
  /** The start barrier: every worker of the first slice starts then. */
  startAt: number;
  plannedEndAt: number;
  steps: number;
  totalSlices: number;
  stopRequested: boolean;
  endedAt?: number;
  reportKey?: string;
}

/** One step's results as the runs table holds them (the report has the full detail). */
export interface StepRecord {
  runId: string;
  step: number;
  model: 'closed' | 'open';
  /** Users (closed) or planned req/s (open). */
  level: number;
  startedAt: number;
  durationS: number;
  requests: number;
  errors: number;
  rps: number;
  latency: LatencySummary;
  expectedSlices: number;
  receivedSlices: number;
  status: 'completed' | 'partial';
}

export interface SliceCompletion {
  /** False when this slice had been recorded before (a duplicated invocation). */
  first: boolean;
  /** Slices of this step recorded so far, this one included. */
  doneInStep: number;
}

/**
 * The runs table: DynamoDB on AWS, files on one machine. Designed for DynamoDB without transactions:
 * conditional puts make claims exactly-once, counters only grow, step items are overwritten whole.
 */
export interface ResultStore {
  /** Creates the run's item; fails if the id exists. */
  createRun(run: RunRecord): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  updateRun(runId: string, changes: Partial<Pick<RunRecord, 'status' | 'endedAt' | 'reportKey'>>): Promise<void>;
  /** Newest first. */
  listRuns(limit: number): Promise<RunRecord[]>;
  requestStop(runId: string): Promise<void>;
  isStopRequested(runId: string): Promise<boolean>;
  /** True for the first caller only: a duplicated invocation of the same slice does not run it again. */
  claimSlice(task: SliceTask): Promise<boolean>;
  completeSlice(task: SliceTask): Promise<SliceCompletion>;
  putStep(step: StepRecord): Promise<void>;
  listSteps(runId: string): Promise<StepRecord[]>;
}
