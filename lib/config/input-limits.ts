/**
 * The largest run anyone may describe, on either platform: past these a run is a mistake or an
 * attack (a typo'd `720h`, a billion connections), refused when the input is read, naming the field,
 * before anything is planned. A deployed stack has its own, smaller limits (lib/guard/stack-limits.ts).
 */
export const INPUT_LIMITS = {
  /** A run, and any duration in it. Also keeps every timer far below Node's 2^31 ms (24.8 days). */
  durationMs: 24 * 60 * 60_000,
  durationText: '24h',
  users: 1_000_000,
  /** Requests per second (open model), and users started per second. */
  rate: 1_000_000,
  maxInFlight: 1_000_000,
  workers: 5_000,
  steps: 1_000,
  requests: 1_000,
  headersPerRequest: 100,
  /** A request body, or its JSON as sent, in characters. */
  bodyChars: 1_000_000,
  /** Lanes × steps: each lane's share of each step is in the plan every worker reads. */
  laneSteps: 200_000,
  /** Slice invocations over the whole run. */
  invocations: 200_000,
} as const;

export const NODE_TIMER_MAX_MS = 2 ** 31 - 1;

export const atMost = (limit: number) => `at most ${limit.toLocaleString('en-US')}`;
