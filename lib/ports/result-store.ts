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
  /** Step results recorded so far, as the run's supervisor last counted them (live progress). */
  partsDone?: number;
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

/** A slice's place in the plan: lane `lane`'s invocation for slice `slice`. */
export interface SliceRef {
  slice: number;
  lane: number;
}

/**
 * An asynchronous invocation that failed for good (its retries spent, or too old to run), as
 * Lambda's on-failure destination reports it.
 */
export interface FailedInvocation {
  /** Lambda's request id of the invocation: a record delivered twice is stored once. */
  requestId: string;
  /** worker | aggregator */
  function: string;
  /** What the invocation was for: `lane 1 slice 2`, `watch until …`. */
  what: string;
  /** Lambda's condition: RetriesExhausted, EventAgeExceeded. */
  condition: string;
  /** The error it ended with. */
  error: string;
  attempts: number;
  at: number;
}

export interface FinalizationOptions {
  /** Only while the run is still running: a deadline finalisation. A re-finalisation with late data takes the run in any state. */
  whileRunning: boolean;
  /** How long the lock holds if its holder dies without releasing it; after it anyone may take over. */
  leaseMs: number;
}

/** What a finalisation writes to the run's item as it releases the lock. */
export type FinalizedRun = Pick<RunRecord, 'status' | 'endedAt' | 'reportKey' | 'partsDone'> & { endedAt: number };

/**
 * The runs table: DynamoDB on AWS, files on one machine. Designed for DynamoDB without transactions:
 * conditional puts make claims exactly-once, completions are items of their own (a retried write
 * finds its item and adds nothing), step items are overwritten whole.
 */
export interface ResultStore {
  /** Creates the run's item; fails if the id exists. */
  createRun(run: RunRecord): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  updateRun(runId: string, changes: Partial<Pick<RunRecord, 'status' | 'endedAt' | 'reportKey' | 'partsDone'>>): Promise<void>;
  /** Newest first; only those `owner` started, when given. */
  listRuns(limit: number, owner?: string): Promise<RunRecord[]>;
  requestStop(runId: string): Promise<void>;
  isStopRequested(runId: string): Promise<boolean>;
  /**
   * True for the first claimant only, and again for that same claimant (`owner`, its invocation's
   * id) should it ask twice, as a retried write whose answer was lost does: a duplicated invocation
   * of the same slice does not run it again, and a retry does not make the first one think so.
   */
  claimSlice(task: SliceTask, owner: string): Promise<boolean>;
  /** The lanes that have claimed slice `slice`. */
  listClaims(runId: string, slice: number): Promise<number[]>;
  /** Records one step's result of a slice, once however often it is called; true for the first call. */
  completePart(part: StepPartKey): Promise<boolean>;
  /** The step's results recorded so far, each once. */
  listDoneParts(runId: string, step: number): Promise<SliceRef[]>;
  putStep(step: StepRecord): Promise<void>;
  listSteps(runId: string): Promise<StepRecord[]>;
  /**
   * Takes the run's finalisation lock for `owner`: true when it was free, already `owner`'s (a
   * retried invocation resumes its own), or its lease had run out (its holder died). With
   * `whileRunning`, only while the run's status is still running.
   */
  acquireFinalization(runId: string, owner: string, options: FinalizationOptions): Promise<boolean>;
  /** Sets the run's final status (and report) and releases `owner`'s lock; false if the lock is no longer `owner`'s. */
  completeFinalization(runId: string, owner: string, run: FinalizedRun): Promise<boolean>;
  /** Stores a failed invocation of the run, once per request id. */
  recordFailure(runId: string, failure: FailedInvocation): Promise<void>;
  listFailures(runId: string): Promise<FailedInvocation[]>;
}
