import { z } from 'zod';
import { sliceTaskSchema } from '../plan/slice-task.js';
import type { Invoker } from '../ports/invoker.js';
import type { FailedInvocation, ResultStore } from '../ports/result-store.js';
import { aggregateRequestSchema } from './lambda-events.js';

/**
 * Lambda's on-failure destination record for an asynchronous invocation that failed for good
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html), as the SQS
 * queue hands it on: only the fields fanout reads.
 */
export const failureRecordSchema = z.object({
  timestamp: z.string(),
  requestContext: z.object({
    requestId: z.string(),
    functionArn: z.string(),
    condition: z.string(),
    approximateInvokeCount: z.number().int(),
  }),
  requestPayload: z.unknown(),
  responsePayload: z.unknown().optional(),
});
export type FailureRecord = z.infer<typeof failureRecordSchema>;

/** An SQS event as a Lambda event source mapping delivers it. */
export const sqsEventSchema = z.object({
  Records: z.array(z.object({ messageId: z.string(), body: z.string(), eventSource: z.literal('aws:sqs') })).min(1),
});
export type SqsEvent = z.infer<typeof sqsEventSchema>;

export interface FailureDeps {
  results: ResultStore;
  invoker: Invoker;
  log?: (message: string) => void;
}

/** `arn:aws:lambda:eu-west-1:1:function:fanout-dev-worker:$LATEST` → worker. */
function functionKeyOf(functionArn: string): string {
  const name = /:function:([^:]+)/.exec(functionArn)?.[1] ?? functionArn;
  return name.slice(name.lastIndexOf('-') + 1);
}

function errorOf(response: unknown): string {
  const parsed = z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() }).safeParse(response);
  if (!parsed.success) return 'no error reported';
  return [parsed.data.errorType, parsed.data.errorMessage].filter(Boolean).join(': ') || 'no error reported';
}

/** The run a failed invocation belonged to, and what it was for; undefined for an event that is not fanout's. */
export function failureOf(record: FailureRecord): { runId: string; failure: FailedInvocation } | undefined {
  const base = {
    requestId: record.requestContext.requestId,
    function: functionKeyOf(record.requestContext.functionArn),
    condition: record.requestContext.condition,
    error: errorOf(record.responsePayload),
    attempts: record.requestContext.approximateInvokeCount,
    at: Date.parse(record.timestamp) || Date.now(),
  };
  const slice = sliceTaskSchema.safeParse(record.requestPayload);
  if (slice.success) return { runId: slice.data.runId, failure: { ...base, what: `lane ${slice.data.lane} slice ${slice.data.slice}` } };
  const aggregate = aggregateRequestSchema.safeParse(record.requestPayload);
  if (!aggregate.success) return undefined;
  const { runId, step, finalizeAt } = aggregate.data;
  const what = step !== undefined ? `merge of step ${step + 1}` : finalizeAt !== undefined ? 'watch over the run' : 'finalisation';
  return { runId, failure: { ...base, what } };
}

/**
 * The on-failure queue's consumer: each failed invocation is stored with its run (once per
 * request id), where finalisation lists it in the report. A run that has ended already is
 * finalised again, so that its report says so.
 */
export async function recordFailures(event: SqsEvent, deps: FailureDeps): Promise<{ recorded: number }> {
  const ended = new Set<string>();
  let recorded = 0;
  for (const message of event.Records) {
    let parsed: FailureRecord;
    try {
      parsed = failureRecordSchema.parse(JSON.parse(message.body));
    } catch (error) {
      deps.log?.(`message ${message.messageId} is not a Lambda failure record; dropped: ${String(error)}`);
      continue;
    }
    const found = failureOf(parsed);
    if (!found) {
      deps.log?.(`message ${message.messageId}: a failed invocation that is not fanout's; dropped`);
      continue;
    }
    await deps.results.recordFailure(found.runId, found.failure);
    recorded++;
    const run = await deps.results.getRun(found.runId);
    if (run && run.status !== 'running') ended.add(found.runId);
  }
  for (const runId of ended) await deps.invoker.invokeAggregator({ runId });
  return { recorded };
}
