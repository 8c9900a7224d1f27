import { z } from 'zod';
import { sliceTaskSchema } from '../plan/slice-task.js';
import type { AggregateRequest } from '../ports/invoker.js';

/** The events the functions invoke each other with (the worker's is `sliceTaskSchema`). */

export const runIdSchema = sliceTaskSchema.shape.runId;

export const aggregateRequestSchema = z
  .object({
    runId: runIdSchema,
    step: z.number().int().min(0).optional(),
    finalizeAt: z.number().int().positive().optional(),
  })
  .strict() satisfies z.ZodType<AggregateRequest>;

/** The API hands the coordinator the request body (validated again there) and the run's id. */
export const coordinatorEventSchema = z
  .object({
    runId: runIdSchema,
    scenario: z.unknown(),
    /** The API caller's IAM identity, recorded on the run. */
    owner: z.string().max(2048).optional(),
  })
  .strict();

export type CoordinatorEvent = z.infer<typeof coordinatorEventSchema>;

export const inputProblemSchema = z.object({ field: z.string(), message: z.string() });

/** What a started run reports back: the coordinator's answer, and the API's answer to POST /runs. */
export const startedRunSchema = z.object({
  runId: z.string(),
  startAt: z.number(),
  plannedEndAt: z.number(),
  steps: z.number().int(),
  totalSlices: z.number().int(),
  peakConcurrentWorkers: z.number().int(),
  warnings: z.array(z.string()),
});

export const coordinatorResultSchema = z.discriminatedUnion('outcome', [
  startedRunSchema.extend({ outcome: z.literal('started') }),
  z.object({ outcome: z.literal('bad-input'), problems: z.array(inputProblemSchema) }),
  z.object({
    outcome: z.literal('quota'),
    quota: z.string(),
    needed: z.number().int(),
    available: z.number().int(),
    message: z.string(),
  }),
  z.object({ outcome: z.literal('exists'), runId: z.string() }),
  z.object({
    outcome: z.literal('limit'),
    limit: z.enum(['maxRunDuration', 'maxWorkersPerRun', 'maxCostPerRun', 'allowedTargets']),
    allowed: z.string(),
    requested: z.string(),
    field: z.string(),
    message: z.string(),
  }),
]);

export type CoordinatorResult = z.infer<typeof coordinatorResultSchema>;
