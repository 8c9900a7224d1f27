/**
 * The four functions and their timeouts (seconds), as serverless.yml deploys them and the emulated
 * stack runs them (a test compares the two). The worker and aggregator get Lambda's 15 minutes: a
 * slice may be 14 minutes long, and the aggregator stands watch over a run's deadline.
 */
export const FUNCTIONS = {
  api: { timeoutS: 29 },
  coordinator: { timeoutS: 60 },
  worker: { timeoutS: 900 },
  aggregator: { timeoutS: 900 },
} as const;

export type FunctionKey = keyof typeof FUNCTIONS;

/** Deployed names: serverless.yml's `<service>-<stage>-<function>`. */
export function functionName(service: string, stage: string, key: FunctionKey): string {
  return `${service}-${stage}-${key}`;
}
