import type { z } from 'zod';
import type {
  completenessSchema,
  criterionResultSchema,
  errorSampleSchema,
  failedInvocationSchema,
  missingPartSchema,
  latencySummarySchema,
  openModelCountsSchema,
  planSummarySchema,
  reportSchema,
  reportStatusSchema,
  requestReportSchema,
  statsBlockSchema,
  stepReportSchema,
  timelineEntrySchema,
} from './report-schema.js';

/**
 * The report's types, inferred from the one definition in report-schema.ts (which also generates
 * the published JSON Schema). Latencies are in milliseconds.
 */
export type LatencySummary = z.infer<typeof latencySummarySchema>;
export type ReportStatus = z.infer<typeof reportStatusSchema>;
export type Completeness = z.infer<typeof completenessSchema>;
export type ErrorSample = z.infer<typeof errorSampleSchema>;
export type MissingPart = z.infer<typeof missingPartSchema>;
export type FailedInvocationReport = z.infer<typeof failedInvocationSchema>;
export type StatsBlock = z.infer<typeof statsBlockSchema>;
export type OpenModelCounts = z.infer<typeof openModelCountsSchema>;
export type StepReport = z.infer<typeof stepReportSchema>;
export type RequestReport = z.infer<typeof requestReportSchema>;
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;
export type CriterionResult = z.infer<typeof criterionResultSchema>;
export type PlanSummary = z.infer<typeof planSummarySchema>;
export type Report = z.infer<typeof reportSchema>;
