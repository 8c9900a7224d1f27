import type { LoadSession } from './load-session.js';
import { liveRequestStats } from './slice-recorder.js';
import type { RequestNameStats } from './slice-result.js';

/**
 * A slice's totals so far by request name and error type: what the live web UI's tables show while
 * the slice runs. Sent after each timeline interval closes (about once a second), never on the hot
 * path of a request; each snapshot replaces the slice's previous one.
 */
export interface SliceRunningTotals {
  byName: Record<string, RequestNameStats>;
  errorsByType: Record<string, number>;
  errorSamples: Array<{ type: string; message: string; count: number }>;
  /** True for the slice's last snapshot (from its result): it will not change again. */
  ended: boolean;
}

export function runningTotalsOf(session: LoadSession): SliceRunningTotals {
  return {
    byName: Object.fromEntries([...session.names.byName].map(([name, stats]) => [name, liveRequestStats(stats)])),
    errorsByType: session.recorder.errorTypes(),
    errorSamples: session.recorder.samples(),
    ended: false,
  };
}
