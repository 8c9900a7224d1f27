import type { SliceTask } from '../plan/slice-task.js';

export interface AggregateRequest {
  runId: string;
  /** A step whose slices are all in; absent: finalise the whole run (report and status). */
  step?: number;
}

/**
 * Starts work elsewhere without waiting for it: Lambda `Event` invokes on AWS, worker threads on
 * one machine. Resolves once the work is accepted.
 */
export interface Invoker {
  invokeSlice(task: SliceTask): Promise<void>;
  invokeAggregator(request: AggregateRequest): Promise<void>;
}
