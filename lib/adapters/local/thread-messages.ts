import type { SliceRunningTotals } from '../../engine/running-totals.js';
import type { TimelineInterval } from '../../engine/slice-result.js';
import type { SliceTask, StepPartKey } from '../../plan/slice-task.js';
import type { AggregateRequest } from '../../ports/invoker.js';
import type { RunSecrets } from '../../secrets/collect-secrets.js';

/** Main thread → slice thread. */
export type ToSliceThread = { type: 'slice'; task: SliceTask };

/** Slice thread → main thread. */
export type FromSliceThread =
  | { type: 'invoke'; task: SliceTask }
  | { type: 'aggregate'; request: AggregateRequest }
  | { type: 'interval'; task: SliceTask; step: number; interval: TimelineInterval }
  | { type: 'totals'; part: StepPartKey; totals: SliceRunningTotals }
  | { type: 'log'; message: string }
  | { type: 'done'; task: SliceTask; ran: boolean; error?: string };

export interface SliceThreadData {
  root: string;
  /** The secrets of the runs these threads work for, by run id: handed over in memory, never written. */
  secrets: Record<string, RunSecrets>;
}
