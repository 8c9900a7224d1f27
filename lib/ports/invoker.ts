import type { SliceTask } from '../plan/slice-task.js';

export interface AggregateRequest {
  runId: string;
  /** A step whose slices are all in; absent: finalise the whole run (report and status). */
  step?: number;
  /**
   * A deadline (epoch ms) for finalising the run: not before it, and only if the run is still
   * running then. The watchdog for stragglers and for stop requests; ignored with `step`.
   */
  finalizeAt?: number;
}

/**
 * Starts work elsewhere without waiting for it: Lambda `Event` invokes on AWS, worker threads on
 * one machine. Resolves once the work is accepted.
 */
export interface Invoker {
  invokeSlice(task: SliceTask): Promise<void>;
  invokeAggregator(request: AggregateRequest): Promise<void>;
}
