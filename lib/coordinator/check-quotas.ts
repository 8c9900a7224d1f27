import { describeHeadroom, headroomExecutions, type ConcurrencyHeadroom } from '../guard/stack-limits.js';

/** What limits how many Lambda invocations run at once, as GetAccountSettings and GetFunctionConcurrency tell. */
export interface LambdaQuotas {
  /** AccountLimit.UnreservedConcurrentExecutions: the pool every function without a reservation shares. */
  unreservedAccountConcurrency: number;
  /** The worker function's reserved concurrency, if it has one (it then draws only from that). */
  workerReservedConcurrency: number | undefined;
}

export interface QuotaShortfall {
  quota: string;
  needed: number;
  available: number;
  message: string;
}

/** The coordinator and an aggregator run beside the workers, from the same account pool. */
export const NON_WORKER_CONCURRENCY = 2;

/**
 * Whether the run fits the account's Lambda concurrency. A run that does not fit is refused before
 * any load is sent: throttled workers would leave holes in the load that look like the target's fault.
 */
export function findQuotaShortfall(peakWorkers: number, quotas: LambdaQuotas, headroom: ConcurrencyHeadroom = { executions: 0 }): QuotaShortfall | undefined {
  const fewer = 'or plan fewer workers at once (fewer users per step, or --workers)';
  const reserved = quotas.workerReservedConcurrency;
  if (reserved !== undefined) {
    if (reserved >= peakWorkers) return undefined;
    const why = reserved === 0 ? ' (0 throttles every invocation: was a stop backstop left in place?)' : '';
    return {
      quota: 'worker reserved concurrency',
      needed: peakWorkers,
      available: reserved,
      message:
        `the worker function's reserved concurrency is ${reserved}${why}, but this run needs ${peakWorkers} concurrent worker ` +
        `invocations at its busiest moment; raise it (aws lambda put-function-concurrency) or remove it, ${fewer}`,
    };
  }
  // The account's other functions keep their share of the pool (the stack's concurrencyHeadroom).
  const kept = headroomExecutions(headroom, quotas.unreservedAccountConcurrency);
  const needed = peakWorkers + NON_WORKER_CONCURRENCY + kept;
  if (quotas.unreservedAccountConcurrency >= needed) return undefined;
  const keeping = kept > 0 ? ` + ${kept} kept free for the account's other functions (this stack's concurrencyHeadroom, ${describeHeadroom(headroom)})` : '';
  return {
    quota: kept > 0 ? 'account concurrency (UnreservedConcurrentExecutions) less concurrencyHeadroom' : 'account concurrency (UnreservedConcurrentExecutions)',
    needed,
    available: quotas.unreservedAccountConcurrency,
    message:
      `the account's unreserved Lambda concurrency is ${quotas.unreservedAccountConcurrency} (GetAccountSettings), but this run needs ` +
      `${needed} concurrent executions (${peakWorkers} workers at the busiest moment + ${NON_WORKER_CONCURRENCY} for the coordinator ` +
      `and aggregator${keeping}); request more "Concurrent executions" in Service Quotas (new accounts start far below 1000), ${fewer}`,
  };
}
