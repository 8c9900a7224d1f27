import { awsRuntime } from '../lib/lambda/aws-runtime.js';
import { handleAggregation, type AggregationOutcome } from '../lib/lambda/handle-aggregation.js';
import { aggregateRequestSchema } from '../lib/lambda/lambda-events.js';

/** Lambda's context, as far as the aggregator uses it. */
interface TimedContext {
  getRemainingTimeInMillis(): number;
}

const LAMBDA_MAX_MS = 15 * 60_000;

/** Merges a complete step, finalises a run, or stands watch for a run's deadline. */
export async function handler(event: unknown, context?: TimedContext): Promise<AggregationOutcome> {
  const request = aggregateRequestSchema.parse(event);
  const runtime = awsRuntime();
  const startedAt = Date.now();
  return handleAggregation(request, runtime, {
    remainingMs: () => context?.getRemainingTimeInMillis() ?? LAMBDA_MAX_MS - (Date.now() - startedAt),
    pollMs: runtime.config.watchPollMs,
  });
}
