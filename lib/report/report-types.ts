/** Latency statistics in milliseconds (recorded in microseconds, 3 significant digits). */
export interface LatencySummary {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export type ReportStatus = 'completed' | 'partial' | 'aborted' | 'failed';

export interface Completeness {
  /** Slice results the plan called for (workers × slices). */
  expected: number;
  received: number;
}

export interface ErrorSample {
  type: string;
  message: string;
  count: number;
}

export interface StatsBlock {
  requests: number;
  errors: number;
  errorRate: number;
  rps: number;
  latency: LatencySummary;
  statusCodes: Record<string, number>;
  errorsByType: Record<string, number>;
}

export interface OpenModelCounts {
  /** Sends the schedule called for, issued late (>10 ms after their intended time), and never issued. */
  scheduled: number;
  late: number;
  dropped: number;
  /** Latency from the actual send (uncorrected), beside the corrected `latency`. */
  serviceLatency: LatencySummary;
}

export interface StepReport extends StatsBlock {
  index: number;
  /** Closed model: users. */
  users?: number;
  /** Open model: planned arrival rate, req/s. */
  rate?: number;
  startedAt: string | null;
  durationS: number;
  planned: { workers: number; durationS: number; users?: number; rate?: number };
  achieved: { workersStarted: number; rps: number; startLagMs: { mean: number; max: number }; saturatedWorkers: number };
  completeness: Completeness;
  status: 'completed' | 'partial';
  open?: OpenModelCounts;
  /** With an SLO: whether this step met it. */
  sloPassed?: boolean;
}

export interface RequestReport extends Omit<StatsBlock, 'errorsByType'> {
  name: string;
}

export interface TimelineEntry {
  /** Seconds since the run's start barrier. */
  t: number;
  users: number;
  rps: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface CriterionResult {
  expr: string;
  passed: boolean;
  /** The measured value of each criterion, in the criterion's units (ms, fraction or req/s). */
  actual: Record<string, number>;
}

export interface PlanSummary {
  model: 'closed' | 'open';
  steps: Array<{ index: number; users?: number; rate?: number; workers: number; slices: number; durationS: number }>;
  stepDurationS: number;
  sliceDurationS: number;
  totalDurationS: number;
  spawnRate?: number;
  thinkTimeMs: { min: number; max: number };
  timeoutMs: number;
  timelineIntervalS: number;
  requests: Array<{ name: string; method: string; path: string; weight: number }>;
}

export interface Report {
  schemaVersion: 1;
  run: {
    id: string;
    name: string;
    platform: 'local' | 'aws';
    target: string;
    startedAt: string;
    endedAt: string;
    plan: PlanSummary;
  };
  status: ReportStatus;
  completeness: Completeness;
  totals: StatsBlock & { open?: OpenModelCounts; errorSamples: ErrorSample[] };
  requests: RequestReport[];
  steps: StepReport[];
  timeline: TimelineEntry[];
  slo?: { expr: string; passed: boolean };
  knee?: { lastGood: StepReport | null; firstBad: StepReport | null };
  thresholds: CriterionResult[];
  warnings: string[];
}
