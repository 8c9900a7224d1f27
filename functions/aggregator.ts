import { awsRuntime } from '../lib/lambda/aws-runtime.js';
import { handleAggregation, type AggregationOutcome } from '../lib/lambda/handle-aggregation.js';
import { aggregateRequestSchema } from '../lib/lambda/lambda-events.js';
import { recordFailures, sqsEventSchema } from '../lib/lambda/record-failures.js';

/** Lambda's context, as far as the aggregator uses it. */
interface AggregatorContext {
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
}

const LAMBDA_MAX_MS = 15 * 60_000;

/**
 * Supervises a run until its deadline, merges a step, finalises a run; and, fed by the on-failure
 * queue, records the invocations that failed for good with their runs.
 */
export async function handler(event: unknown, context?: AggregatorContext): Promise<AggregationOutcome | { recorded: number }> {
  const runtime = awsRuntime();
  const log = (message: string) => console.log(message);
  const failures = sqsEventSchema.safeParse(event);
  if (failures.success) return recordFailures(failures.data, { ...runtime, log });
  const request = aggregateRequestSchema.parse(event);
  const startedAt = Date.now();
  return handleAggregation(request, runtime, {
    remainingMs: () => context?.getRemainingTimeInMillis() ?? LAMBDA_MAX_MS - (Date.now() - startedAt),
    ...(context?.awsRequestId ? { invocationId: context.awsRequestId } : {}),
    pollMs: runtime.config.watchPollMs,
    claimGraceMs: runtime.config.claimGraceMs,
    leaseMs: runtime.config.finalizeLeaseMs,
    log,
  });
}
