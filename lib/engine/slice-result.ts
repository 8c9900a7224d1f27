import { z } from 'zod';

/**
 * What one worker reports for one slice: counts and encoded HDR histograms (microseconds), written
 * to the BlobStore under run/step/slice/worker. Validated when read back, since it crosses S3.
 */
const count = z.number().int().min(0);
const counts = z.record(z.string(), count);

export const requestNameStatsSchema = z.object({
  requests: count,
  errors: count,
  statusCodes: counts,
  latency: z.string(),
});

export const timelineIntervalSchema = z.object({
  /** Interval number since the run's start barrier (interval length in the plan). */
  i: z.number().int().min(0),
  requests: count,
  errors: count,
  /** Concurrent users (closed model) or the most requests in flight (open model). */
  users: count,
  latency: z.string(),
});

export const saturationSchema = z.object({
  eventLoopLagP99Ms: z.number().min(0),
  eventLoopLagMaxMs: z.number().min(0),
  /** Share of the time the worker's event loop was busy (0–1): near 1 means the generator is the bottleneck. */
  eventLoopUtilization: z.number().min(0).max(1),
  cpuPercent: z.number().min(0),
  saturated: z.boolean(),
});

export const sliceResultSchema = z.object({
  schemaVersion: z.literal(1),
  runId: z.string(),
  step: count,
  slice: count,
  worker: count,
  model: z.enum(['closed', 'open']),
  /** This worker's planned share at the slice's end: users, or req/s. */
  plannedLevel: z.number().min(0),
  plannedStart: z.number(),
  actualStart: z.number(),
  endedAt: z.number(),
  stopped: z.boolean(),
  requests: count,
  errors: count,
  /** Open model: sends issued more than LATE_SEND_MS after their intended time. */
  late: count,
  /** Open model: sends never issued (no free connection before the request timeout, or the slice ended). */
  dropped: count,
  /** Open model: sends due by the schedule during the slice. */
  scheduled: count,
  statusCodes: counts,
  errorsByType: counts,
  errorSamples: z.array(z.object({ type: z.string(), message: z.string(), count })),
  /** Latency from the intended send time (open model) or the actual send (closed model). */
  latency: z.string(),
  /** Service time: from the actual send to the response's end. */
  service: z.string(),
  byName: z.record(z.string(), requestNameStatsSchema),
  timeline: z.array(timelineIntervalSchema),
  saturation: saturationSchema,
});

export type SliceResult = z.infer<typeof sliceResultSchema>;
export type TimelineInterval = z.infer<typeof timelineIntervalSchema>;
export type Saturation = z.infer<typeof saturationSchema>;
export type RequestNameStats = z.infer<typeof requestNameStatsSchema>;

export const LATE_SEND_MS = 10;
