import { z } from 'zod';
import type { FailedInvocation, RunRecord, StepRecord } from '../../ports/result-store.js';
import type { LatencySummary } from '../../report/report-types.js';

/** Items read back from DynamoDB are checked: the table outlives code versions. */

export const runStatusSchema = z.enum(['running', 'completed', 'partial', 'aborted', 'failed']);

export const runRecordSchema = z.object({
  runId: z.string(),
  status: runStatusSchema,
  platform: z.enum(['local', 'aws']),
  target: z.string(),
  model: z.enum(['closed', 'open']),
  createdAt: z.number(),
  startAt: z.number(),
  plannedEndAt: z.number(),
  drainMs: z.number(),
  steps: z.number().int(),
  totalSlices: z.number().int(),
  stopRequested: z.boolean(),
  endedAt: z.number().optional(),
  reportKey: z.string().optional(),
  partsDone: z.number().int().optional(),
  owner: z.string().optional(),
}) satisfies z.ZodType<RunRecord>;

export const failedInvocationSchema = z.object({
  requestId: z.string(),
  function: z.string(),
  what: z.string(),
  condition: z.string(),
  error: z.string(),
  attempts: z.number().int(),
  at: z.number(),
}) satisfies z.ZodType<FailedInvocation>;

export const latencySummarySchema = z.object({
  min: z.number(),
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
}) satisfies z.ZodType<LatencySummary>;

export const stepRecordSchema = z.object({
  runId: z.string(),
  step: z.number().int().min(0),
  model: z.enum(['closed', 'open']),
  level: z.number(),
  startedAt: z.number(),
  durationS: z.number(),
  requests: z.number(),
  errors: z.number(),
  rps: z.number(),
  latency: latencySummarySchema,
  expectedSlices: z.number().int(),
  receivedSlices: z.number().int(),
  status: z.enum(['completed', 'partial']),
}) satisfies z.ZodType<StepRecord>;

/** Only the record's own fields: the table's keys and bookkeeping attributes are dropped. */
export function runRecordFromItem(item: Record<string, unknown>): RunRecord {
  return runRecordSchema.parse(item);
}

export function stepRecordFromItem(item: Record<string, unknown>): StepRecord {
  return stepRecordSchema.parse(item);
}

export function failedInvocationFromItem(item: Record<string, unknown>): FailedInvocation {
  return failedInvocationSchema.parse(item);
}
