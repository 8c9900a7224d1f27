import { z } from 'zod';
import type { InputProblem } from '../config/input-error.js';
import type { LiveErrorRow, LiveRequestRow } from '../progress/live-tables.js';
import type { ReportStatus } from '../report/report-types.js';

/**
 * The web UI's small JSON API: what the page sends and receives. The browser code imports these
 * types; the server validates every body with the zod schemas.
 */

const formText = z
  .string()
  .max(2000)
  .transform((text) => text.trim())
  .transform((text) => (text === '' ? undefined : text))
  .optional();

/**
 * The start form: text fields as the user typed them (empty means not given), mapped onto the
 * `run` command's flags so that the CLI's validation and messages apply unchanged.
 */
export const startRunBodySchema = z.strictObject({
  /** A scenario file on the machine that serves the UI (YAML or JSON); the other fields override it. */
  scenario: formText,
  target: formText,
  /** Closed model (users) or open model (arrival rate): the CLI's --model. */
  load: z.enum(['users', 'rate']).default('users'),
  users: formText,
  rate: formText,
  spawnRate: formText,
  duration: formText,
  steps: formText,
  stepDuration: formText,
  slo: formText,
  platform: z.enum(['local', 'aws']).default('local'),
  /** AWS: start even when the cost estimate is above the limit (the CLI's --yes). */
  yes: z.boolean().default(false),
});
export type StartRunBody = z.input<typeof startRunBodySchema>;
export type StartRunForm = z.output<typeof startRunBodySchema>;
export type FormField = keyof StartRunForm;

export interface FormProblem extends InputProblem {
  /** The form field the problem is about, when there is one. */
  formField?: FormField;
}

export interface ProblemsResponse {
  error: string;
  message: string;
  problems: FormProblem[];
}

export interface StartRunResponse {
  runId: string;
}

export interface PlatformAvailability {
  available: boolean;
  /** Why not, when not. */
  reason?: string;
}

export interface UiInfo {
  outDir: string;
  platforms: { local: PlatformAvailability; aws: PlatformAvailability };
  /** The run this UI is running now, if any (one at a time: it has the machine's cores). */
  activeRunId: string | null;
}

export interface LivePlanStep {
  index: number;
  users?: number;
  rate?: number;
  workers: number;
  /** Seconds from the start barrier. */
  startS: number;
  durationS: number;
}

export interface LivePlan {
  runId: string;
  name: string;
  target: string;
  model: 'closed' | 'open';
  steps: LivePlanStep[];
  totalS: number;
  intervalS: number;
  slo?: string;
}

/**
 * One timeline interval as the live charts draw it: the report's timeline entry, except that an AWS
 * run's live counters (added up in DynamoDB) carry no latency percentiles: those are null.
 */
export interface LiveTimelinePoint {
  t: number;
  users: number;
  rps: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** running → stopping (a stop was asked for) → finished (report written) or crashed (no report). */
export type LiveRunState = 'running' | 'stopping' | 'finished' | 'crashed';

export interface LiveRunView {
  plan: LivePlan;
  state: LiveRunState;
  /** The report's status once finished. */
  status?: ReportStatus;
  error?: string;
  elapsedS: number;
  /** 0-based step now running. */
  step: number;
  requests: number;
  errors: number;
  /** Timeline intervals from `since` (a query parameter) up to the newest complete one. */
  timeline: LiveTimelinePoint[];
  /** False when the platform reports no live per-name and error tables (AWS): they come with the report. */
  liveTables: boolean;
  requestRows: LiveRequestRow[];
  errorRows: LiveErrorRow[];
  /** The run's log lines so far (warnings, saturation, failures). */
  log: string[];
}

export interface RunListEntry {
  runId: string;
  createdAt: string;
  target: string;
  platform: 'local' | 'aws';
  model: 'closed' | 'open';
  /** The runs table's status, or the report's when there is one. */
  status: string;
  steps: number;
  hasReport: boolean;
  requests?: number;
  rps?: number;
  p95?: number;
  slo?: { expr: string; passed: boolean };
  /** "6 users" (the first step that broke the SLO). */
  knee?: string;
}
