import type { LatencySummary } from '../report/report-types.js';
import type { Platform } from '../plan/run-plan.js';
import type { SliceTask, StepPartKey } from '../plan/slice-task.js';

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
  /** After the planned end, how long workers may still be finishing (their drain and writes). */
  drainMs: number;
  steps: number;
  /** Step results the plan calls for: one per lane, slice and step it covers. */
  totalSlices: number;
  stopRequested: boolean;
  endedAt?: number;
  reportKey?: string;
  /** Who started the run: the API caller's IAM identity (ARN), on AWS. */
  owner?: string;
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

export interface PartCompletion {
  /** False when this step result had been recorded before (a duplicated invocation). */
  first: boolean;
  /** Results of this step recorded so far, this one included. */
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
  /** Newest first; only those `owner` started, when given. */
  listRuns(limit: number, owner?: string): Promise<RunRecord[]>;
  requestStop(runId: string): Promise<void>;
  isStopRequested(runId: string): Promise<boolean>;
  /** True for the first caller only: a duplicated invocation of the same slice does not run it again. */
  claimSlice(task: SliceTask): Promise<boolean>;
  /** Records one step's result of a slice, once however often it is called. */
  completePart(part: StepPartKey): Promise<PartCompletion>;
  putStep(step: StepRecord): Promise<void>;
  listSteps(runId: string): Promise<StepRecord[]>;
}
