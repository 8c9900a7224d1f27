import type { LatencySummary } from '../report/report-types.js';

/** The rows of the live tables (the web UI shows them while a run goes on). */

/** One request name so far, over every slice. */
export interface LiveRequestRow {
  name: string;
  requests: number;
  errors: number;
  /** Requests per second since the start barrier. */
  rps: number;
  latency: LatencySummary;
}

/** One error type so far, with its distinct messages (the most frequent first). */
export interface LiveErrorRow {
  type: string;
  count: number;
  messages: Array<{ message: string; count: number }>;
}
