import { decode as decodeCbor, encode as encodeCbor } from 'cborg';
import { z } from 'zod';

/**
 * What one lane measured in one step during one slice (a step part): counts and encoded HDR
 * histograms (microseconds), written to the BlobStore under run/step/slice/lane as the step ends.
 * Validated when read back, since it crosses S3.
 * Stored as CBOR (RFC 8949), so that each histogram, HdrHistogram's V2 payload under brotli
 * (lib/histogram/v2-payload.ts), is kept as bytes rather than as base64 text a third larger.
 */
const count = z.number().int().min(0);
const counts = z.record(z.string(), count);
const histogram = z.custom<Uint8Array>((value) => value instanceof Uint8Array, { message: 'expected an encoded histogram (bytes)' });

export const requestNameStatsSchema = z.object({
  requests: count,
  errors: count,
  /** Errors that are not the target's: cut at a hand-off or stop, the generator's own limits. */
  generatorErrors: count,
  statusCodes: counts,
  latency: histogram,
});

export const timelineIntervalSchema = z.object({
  /** Interval number since the run's start barrier (interval length in the plan). */
  i: z.number().int().min(0),
  requests: count,
  errors: count,
  /** Concurrent users (closed model) or the most requests in flight (open model). */
  users: count,
  latency: histogram,
});

export const saturationSchema = z.object({
  eventLoopLagP99Ms: z.number().min(0),
  eventLoopLagMaxMs: z.number().min(0),
  /** Share of the time the worker's event loop was busy (0–1): near 1 means the generator is the bottleneck. */
  eventLoopUtilization: z.number().min(0).max(1),
  cpuPercent: z.number().min(0),
  saturated: z.boolean(),
});

/** The warm-up at a slice's start, measured apart (see load.warmUp): not part of the step's results. */
export const warmUpSchema = z.object({
  durationMs: z.number().min(0),
  requests: count,
  errors: count,
  errorsByType: counts,
  scheduled: count,
  late: count,
  dropped: count,
  latency: histogram,
  service: histogram,
});

export const sliceResultSchema = z.object({
  schemaVersion: z.literal(3),
  runId: z.string(),
  step: count,
  slice: count,
  lane: count,
  model: z.enum(['closed', 'open']),
  /** This lane's planned share of the step: users, or req/s. */
  plannedLevel: z.number().min(0),
  /** The part's planned window (epoch ms): the step clipped to the slice. */
  plannedStart: z.number(),
  plannedEnd: z.number(),
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
  latency: histogram,
  /** Service time: from the actual send to the response's end. */
  service: histogram,
  byName: z.record(z.string(), requestNameStatsSchema),
  timeline: z.array(timelineIntervalSchema),
  saturation: saturationSchema,
  /** Only on the first step result of a slice that had a warm-up. */
  warmUp: warmUpSchema.optional(),
  /** Flows: each check of each request, how often it passed and failed. */
  checks: z.array(z.object({ request: z.string(), check: z.string(), passes: count, fails: count })).default([]),
  /** Flows: iterations per flow, as they ended (stopped by a capture, or by an exception in a module's code). */
  iterations: z.array(z.object({ flow: z.string(), completed: count, stoppedByCapture: count, scriptErrors: count })).default([]),
});

export type SliceResult = z.infer<typeof sliceResultSchema>;
export type TimelineInterval = z.infer<typeof timelineIntervalSchema>;
export type Saturation = z.infer<typeof saturationSchema>;
export type WarmUp = z.infer<typeof warmUpSchema>;
export type RequestNameStats = z.infer<typeof requestNameStatsSchema>;

export const LATE_SEND_MS = 10;

export const SLICE_RESULT_CONTENT_TYPE = 'application/cbor';

export function encodeSliceResult(result: SliceResult): Uint8Array {
  return encodeCbor(result);
}

/** Reads back a stored slice result; throws naming what is wrong when it is not one. */
export function decodeSliceResult(bytes: Uint8Array): SliceResult {
  let decoded: unknown;
  try {
    decoded = decodeCbor(bytes);
  } catch {
    throw new Error('not CBOR');
  }
  const parsed = sliceResultSchema.safeParse(decoded);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not a slice result (${issue ? `${issue.path.join('.') || 'top'}: ${issue.message}` : 'invalid'})`);
  }
  return parsed.data;
}
