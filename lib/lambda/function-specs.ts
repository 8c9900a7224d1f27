/**
 * The four functions, their timeouts (seconds) and the async retries Lambda makes of a failed
 * Event invocation, as serverless.yml deploys them and the emulated stack runs them (a test
 * compares the two). The worker and aggregator get Lambda's 15 minutes: a slice may be 14 minutes
 * long, and the aggregator supervises a run to its deadline. A worker is never retried (a retried
 * slice would run its load twice; the supervisor takes its lane up instead); the aggregator is
 * (every path of it can run twice and gives the same result).
 */
export const FUNCTIONS = {
  api: { timeoutS: 29, asyncRetries: undefined },
  coordinator: { timeoutS: 60, asyncRetries: undefined },
  worker: { timeoutS: 900, asyncRetries: 0 },
  aggregator: { timeoutS: 900, asyncRetries: 2 },
} as const;

export type FunctionKey = keyof typeof FUNCTIONS;

/** The functions whose failed Event invocations go to the on-failure destination. */
export const FUNCTIONS_WITH_FAILURE_DESTINATION: readonly FunctionKey[] = ['worker', 'aggregator'];

/** Deployed names: serverless.yml's `<service>-<stage>-<function>`. */
export function functionName(service: string, stage: string, key: FunctionKey): string {
  return `${service}-${stage}-${key}`;
}
