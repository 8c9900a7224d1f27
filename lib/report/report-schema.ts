import { z } from 'zod';

/**
 * report.json, defined once: the TypeScript types (report-types.ts) are inferred from these schemas
 * and the published JSON Schema (docs/report.schema.json, `npm run schema`) is generated from them,
 * so the file other tools read cannot drift from what fanout writes.
 */

const count = z.number().int().min(0);
const counts = z.record(z.string(), count);
/** Milliseconds (latencies are recorded in microseconds, 3 significant digits). */
const milliseconds = z.number().min(0);

export const latencySummarySchema = z
  .strictObject({
    min: milliseconds,
    mean: milliseconds,
    p50: milliseconds,
    p90: milliseconds,
    p95: milliseconds,
    p99: milliseconds,
    p999: milliseconds.describe('99.9th percentile'),
    max: milliseconds.describe("the largest value's histogram bucket upper bound"),
  })
  .meta({ id: 'LatencySummary', description: 'Latency statistics in milliseconds, from exactly merged HDR histograms.' });

export const reportStatusSchema = z
  .enum(['completed', 'partial', 'aborted', 'failed'])
  .meta({
    id: 'ReportStatus',
    description:
      'completed: every planned slice reported, none started late; partial: some are missing or started late; aborted: stopped early; failed: no data at all.',
  });

export const missingPartSchema = z
  .strictObject({ step: count, slice: count, lane: count.describe('the worker (lane)') })
  .meta({ id: 'MissingPart', description: 'A step result that never arrived: that worker\'s slice was lost (crashed, never invoked, or its write failed).' });

export const completenessSchema = z
  .strictObject({
    expected: count.describe('step results the plan called for: one per worker and slice covering the step'),
    received: count.describe('step results that arrived and were merged'),
    late: count
      .optional()
      .describe('of those received, results of slices that started more than 1 s after their planned start (warm-up aside): they ran only part of their window'),
    missing: z.array(missingPartSchema).optional().describe('the step results that never arrived (at most 100 listed)'),
  })
  .meta({ id: 'Completeness' });

export const failedInvocationSchema = z
  .strictObject({
    function: z.string().describe('worker or aggregator'),
    what: z.string().describe('what the invocation was for: a lane\'s slice, a merge, the watch over the run'),
    condition: z.string().describe("Lambda's reason: RetriesExhausted or EventAgeExceeded"),
    error: z.string(),
    attempts: count,
  })
  .meta({ id: 'FailedInvocation', description: "An invocation that failed for good, from the stack's on-failure destination." });

export const errorSampleSchema = z
  .strictObject({ type: z.string(), message: z.string(), count })
  .meta({ id: 'ErrorSample', description: 'One distinct error (type and message) and how often it occurred.' });

export const statsBlockSchema = z
  .strictObject({
    requests: count.describe('requests sent: responses + errors'),
    errors: count.describe('requests without an expected response, of any type'),
    generatorErrors: count.describe(
      "errors that are not the target's: requests cut at a slice hand-off or by a stop (cut), and the generator's own limits (generator_fds, generator_ports, generator_buffers)",
    ),
    errorRate: z.number().min(0).max(1).describe("the target's error rate: (errors - generatorErrors) / requests; what SLOs and thresholds judge"),
    rps: z.number().min(0).describe('requests per second over the wall-clock span of the data'),
    latency: latencySummarySchema,
    statusCodes: counts.describe('responses per HTTP status code'),
    errorsByType: counts.describe('errors per type: http_status, timeout, connection_refused, connection_reset, dns, tls, cut, blocked, generator_fds, …'),
  })
  .meta({ id: 'StatsBlock' });

export const openModelCountsSchema = z
  .strictObject({
    scheduled: count.describe('sends the arrival schedule called for'),
    late: count.describe('sends issued more than 10 ms after their intended time'),
    dropped: count.describe('sends never issued (no free connection in time, or the slice ended)'),
    serviceLatency: latencySummarySchema.describe('latency from the actual send (uncorrected), beside the corrected latency'),
  })
  .meta({ id: 'OpenModelCounts', description: 'Open model (arrival rate) only: achieved against scheduled sends.' });

export const stepReportSchema = statsBlockSchema
  .extend({
    index: count.describe('0-based step number'),
    users: count.optional().describe('closed model: users in this step'),
    rate: z.number().min(0).optional().describe('open model: planned arrival rate, req/s'),
    startedAt: z.string().nullable().describe('ISO time the first worker of the step started; null when none did'),
    durationS: z.number().min(0),
    planned: z.strictObject({
      workers: count,
      durationS: z.number().min(0),
      laneSeconds: z.number().min(0).optional().describe('worker-seconds of load the plan called for: workers × duration'),
      users: count.optional(),
      rate: z.number().min(0).optional(),
    }),
    achieved: z.strictObject({
      workersStarted: count,
      rps: z.number().min(0),
      startLagMs: z.strictObject({ mean: z.number().min(0), max: z.number().min(0) }),
      laneSeconds: z
        .number()
        .min(0)
        .optional()
        .describe('worker-seconds of load actually run inside the planned windows: less than planned when a worker started late or was lost'),
      saturatedWorkers: count.describe('workers whose event loop was busy or lagging: they may have measured themselves'),
    }),
    completeness: completenessSchema,
    status: z.enum(['completed', 'partial']),
    judged: z.boolean().describe('false when the step may have measured the generator (saturated workers, its own fd/port/buffer limits): the SLO and the knee skip it'),
    notJudgedBecause: z.string().optional().describe('why the step was not judged'),
    open: openModelCountsSchema.optional(),
    sloPassed: z.boolean().optional().describe('with an SLO: whether this step met it (absent when the step was not judged)'),
  })
  .meta({ id: 'StepReport', description: 'One step of load: its planned and achieved load and what was measured.' });

export const requestReportSchema = statsBlockSchema
  .omit({ errorsByType: true })
  .extend({ name: z.string() })
  .meta({ id: 'RequestReport', description: 'Totals of one request name over the whole run.' });

export const timelineEntrySchema = z
  .strictObject({
    t: z.number().min(0).describe("seconds since the run's start barrier"),
    users: count.describe('concurrent users (closed model) or requests in flight (open model)'),
    rps: z.number().min(0),
    errors: count,
    p50: milliseconds,
    p95: milliseconds,
    p99: milliseconds,
  })
  .meta({ id: 'TimelineEntry', description: 'One timeline interval (run.plan.timelineIntervalS long), merged over every worker.' });

export const criterionResultSchema = z
  .strictObject({
    expr: z.string(),
    passed: z.boolean(),
    actual: z.record(z.string(), z.number()).describe("each criterion's measured value, in the criterion's units (ms, fraction or req/s)"),
  })
  .meta({ id: 'CriterionResult' });

export const planSummarySchema = z
  .strictObject({
    model: z.enum(['closed', 'open']),
    steps: z.array(
      z.strictObject({
        index: count,
        users: count.optional(),
        rate: z.number().min(0).optional(),
        workers: count.describe('workers carrying load in this step; their users carry over from the step before'),
        slices: count.describe('slices covering this step'),
        durationS: z.number().min(0),
      }),
    ),
    workers: count.describe("workers (lanes) of the run: each is a chain of slice invocations whose users live across steps"),
    invocations: count.describe('slice invocations over the whole run'),
    stepDurationS: z.number().min(0),
    sliceDurationS: z.number().min(0),
    totalDurationS: z.number().min(0),
    spawnRate: z.number().min(0).optional(),
    thinkTimeMs: z.strictObject({ min: z.number().min(0), max: z.number().min(0) }),
    timeoutMs: z.number().min(0),
    timelineIntervalS: z.number().positive(),
    requests: z.array(z.strictObject({ name: z.string(), method: z.string(), path: z.string(), weight: z.number() })),
  })
  .meta({ id: 'PlanSummary', description: 'What was planned: steps, workers and slices, as shown before the run.' });

export const reportSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    run: z.strictObject({
      id: z.string(),
      name: z.string(),
      platform: z.enum(['local', 'aws']),
      target: z.string().describe('the target URL, credentials in it shown as ••••<fingerprint>'),
      owner: z.string().optional().describe("who started the run: the API caller's IAM identity (ARN) on AWS"),
      startedAt: z.string().describe('ISO time'),
      endedAt: z.string().describe('ISO time'),
      plan: planSummarySchema,
    }),
    status: reportStatusSchema,
    completeness: completenessSchema,
    totals: statsBlockSchema.extend({
      open: openModelCountsSchema.optional(),
      errorSamples: z.array(errorSampleSchema),
    }),
    requests: z.array(requestReportSchema),
    steps: z.array(stepReportSchema),
    timeline: z.array(timelineEntrySchema),
    slo: z.strictObject({ expr: z.string(), passed: z.boolean() }).optional().describe('the SLO judged per step; passed only if every planned step ran and met it'),
    knee: z
      .strictObject({
        lastGood: stepReportSchema.nullable().describe('the last step that met the SLO'),
        firstBad: stepReportSchema.nullable().describe('the first step that broke it'),
      })
      .optional(),
    checks: z
      .array(
        z.strictObject({
          request: z.string(),
          check: z.string().describe('as the report names it: status in [200], bodyContains "…", json $.items exists, duration <= 500ms'),
          passes: count,
          fails: count,
          passRate: z.number().min(0).max(1),
        }),
      )
      .optional()
      .describe("flows: each request's checks (expect), evaluated on every response"),
    flows: z
      .array(
        z.strictObject({
          flow: z.string().describe('a flow, or onStart'),
          iterations: count,
          completed: count,
          stoppedByCapture: count.describe('iterations ended by a capture that found nothing'),
          scriptErrors: count.describe("iterations ended by an exception in a scenario module's code (errors of type script)"),
        }),
      )
      .optional()
      .describe('flows: iterations of each flow, as they ended'),
    warmUp: z
      .strictObject({
        perSliceS: z.number().min(0).describe('the warm-up asked for at the start of every slice'),
        slices: count.describe('slices whose warm-up was measured'),
        requests: count,
        errors: count,
        latency: latencySummarySchema,
        serviceLatency: latencySummarySchema.describe('from the actual send (equal to latency in the closed model)'),
        late: count,
        dropped: count,
      })
      .optional()
      .describe("the first part of every slice (a fresh worker's JIT, its new connections), measured apart: not in the steps, the totals or the timeline"),
    thresholds: z.array(criterionResultSchema).describe('k6-style pass/fail criteria on the totals'),
    failedInvocations: z
      .array(failedInvocationSchema)
      .optional()
      .describe('invocations of the run that failed for good (AWS: the on-failure destination); each may have cost a slice or a merge'),
    warnings: z.array(z.string()),
  })
  .meta({
    title: 'fanout report',
    description: "A fanout run's report (report.json): per step and overall results from exactly merged HDR histograms, the knee under the SLO, and how complete the data is.",
  });

/** The JSON Schema published as docs/report.schema.json. */
export function reportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(reportSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** Where the JSON Schema is published, from the repository root, and its exact text. */
export const REPORT_SCHEMA_PATH = 'docs/report.schema.json';

export function reportJsonSchemaText(): string {
  return `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
}
