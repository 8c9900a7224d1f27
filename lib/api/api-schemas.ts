import { z } from 'zod';
import { runRecordSchema, stepRecordSchema } from '../adapters/aws/table-items.js';
import { inputProblemSchema, startedRunSchema } from '../lambda/lambda-events.js';

/** The HTTP API's answers: the API builds them, the CLI checks them with the same schemas. */

export const startRunResponseSchema = startedRunSchema;
export type StartRunResponse = z.infer<typeof startRunResponseSchema>;

export const intervalProgressSchema = z.object({
  interval: z.number().int(),
  requests: z.number(),
  errors: z.number(),
  users: z.number(),
  reports: z.number(),
  /** Reports the interval is complete with: the workers whose load covers it. */
  expectedReports: z.number().int().optional(),
});

const planStepSchema = z.object({
  index: z.number().int(),
  users: z.number().optional(),
  rate: z.number().optional(),
  workers: z.number().int(),
  slices: z.number().int(),
  durationS: z.number(),
});

/** The parts of the report's plan summary a status reader needs (the CLI drops the rest). */
export const planSummarySchema = z.object({
  model: z.enum(['closed', 'open']),
  steps: z.array(planStepSchema),
  totalDurationS: z.number(),
  timelineIntervalS: z.number(),
});

export const runStatusResponseSchema = z.object({
  run: runRecordSchema,
  plan: planSummarySchema.nullable(),
  steps: z.array(stepRecordSchema),
  progress: z.object({
    /** Slice results recorded so far, of `run.totalSlices`. */
    slicesDone: z.number().int(),
    intervalMs: z.number(),
    /** The latest timeline intervals, summed over the workers that have reported them. */
    recent: z.array(intervalProgressSchema),
  }),
});
export type RunStatusResponse = z.infer<typeof runStatusResponseSchema>;

export const stopResponseSchema = z.object({
  runId: z.string(),
  status: z.string(),
  /** When the run is finalised with what the stopped workers wrote. */
  finalizeAt: z.number().optional(),
});
export type StopResponse = z.infer<typeof stopResponseSchema>;

/** How many runs GET /runs (and `fanout runs`) list at most. */
export const runListLimitSchema = z.coerce.number().int().min(1).max(200).default(50);

export const runListResponseSchema = z.object({
  /** Newest first. */
  runs: z.array(runRecordSchema),
  /** The owner the list is of, when it was asked for one (`owner=me` names the caller). */
  owner: z.string().optional(),
});
export type RunListResponse = z.infer<typeof runListResponseSchema>;

export const reportLinkResponseSchema = z.object({
  runId: z.string(),
  status: z.string(),
  url: z.string(),
  expiresInS: z.number(),
});
export type ReportLinkResponse = z.infer<typeof reportLinkResponseSchema>;

export const errorResponseSchema = z.object({
  error: z.string(),
  message: z.string(),
  problems: z.array(inputProblemSchema).optional(),
  quota: z.string().optional(),
  needed: z.number().optional(),
  available: z.number().optional(),
  status: z.string().optional(),
  /** A stack limit the run is past (error "limit"), what it allows and what the run asked for. */
  limit: z.string().optional(),
  allowed: z.string().optional(),
  requested: z.string().optional(),
  /** An internal error: the detail is in the api function's log under this id. */
  requestId: z.string().optional(),
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
