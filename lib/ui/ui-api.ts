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

/** The scenario text the UI takes (pasted or uploaded), in characters: as ScenarioFolder's limit. */
export const MAX_SCENARIO_TEXT = 256 * 1024;

/**
 * The start form: text fields as the user typed them (empty means not given), mapped onto the
 * `run` command's flags so that the CLI's validation and messages apply unchanged.
 */
export const startRunBodySchema = z.strictObject({
  /**
   * One of the files GET /api/scenarios lists, by its relative path: the server reads no other.
   * The other fields override it, as flags override a scenario file.
   */
  scenarioFile: formText,
  /** Or a scenario's YAML or JSON text, pasted or uploaded in the page. */
  scenarioText: z
    .string()
    .max(MAX_SCENARIO_TEXT, `at most ${MAX_SCENARIO_TEXT / 1024} KB`)
    .transform((text) => (text.trim() === '' ? undefined : text))
    .optional(),
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
  /**
   * AWS: the cost estimate (USD) the person accepted in the page, after the server answered that
   * the run is above `--max-cost` and showed its estimate. The run starts only if its estimate is
   * no higher: a changed form needs a new confirmation.
   */
  confirmCostUsd: z.number().finite().min(0).optional(),
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
  /** With error "confirm-cost": the estimate the person must accept (confirmCostUsd) to start the run. */
  costEstimate?: CostEstimateView;
}

export interface CostEstimateView {
  totalUsd: number;
  maxCostUsd: number;
  /** The estimate as `fanout run --platform aws` prints it. */
  summary: string;
}

/** GET /api/scenarios: the scenario files `fanout ui` offers, under the folder it was started in. */
export interface ScenarioList {
  folder: string;
  /** Relative paths with `/`, sorted: the values POST /api/runs takes as scenarioFile. */
  files: string[];
  /** The folder is larger than the UI looks through: some files are not listed. */
  truncated: boolean;
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
  /** Where the scenario files come from (the folder `fanout ui` was started in). */
  scenarioFolder: string;
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

/** A 500: the detail is in fanout ui's log (its stderr) under this id; the answer carries none of it. */
export interface InternalErrorResponse {
  error: 'internal';
  message: string;
  requestId: string;
}
