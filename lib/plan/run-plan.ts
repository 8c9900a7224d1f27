import { randomBytes } from 'node:crypto';
import type { RunSettings } from '../config/run-settings.js';

/**
 * The plan: steps of load, each run by `workers` parallel workers, each worker's share cut into time
 * slices short enough for one Lambda invocation. A slice of one worker is the unit of work, keyed
 * run/step/slice/worker, so that running it twice writes the same result once.
 */
export type Platform = 'local' | 'aws';

export interface PlannedSlice {
  index: number;
  /** Offset from the step's start. */
  startOffsetMs: number;
  durationMs: number;
}

export interface PlannedStep {
  index: number;
  /** Users (closed model) or req/s (open model). */
  level: number;
  /** The previous step's level, from which this step ramps (closed model). */
  previousLevel: number;
  workers: number;
  /** Offset from the run's start (the start barrier). */
  startOffsetMs: number;
  durationMs: number;
  slices: PlannedSlice[];
}

export interface RunPlan {
  schemaVersion: 1;
  runId: string;
  platform: Platform;
  settings: RunSettings;
  steps: PlannedStep[];
  totalDurationMs: number;
  timelineIntervalMs: number;
  /** A worker invokes the next slice this long before its own end, so that the load has no gap. */
  chainLeadMs: number;
  warnings: string[];
}

/**
 * A Lambda has 1024 file descriptors; the runtime, the SDK's sockets and the log pipe take some.
 * Keeping users (one keep-alive connection each) per worker below this avoids EMFILE.
 */
export const MAX_USERS_PER_WORKER = 900;
/** Open model: what one worker is asked to send; a 1 GB Lambda has about 0.6 of a vCPU. */
export const MAX_RATE_PER_WORKER = 2000;

export interface PlanOptions {
  platform: Platform;
  runId?: string;
  /** On one machine: at least one worker per core, so that every core makes load. */
  minWorkers?: number;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function workersFor(settings: RunSettings, level: number, minWorkers: number): number {
  if (settings.workers !== undefined) return settings.workers;
  if (settings.model === 'closed') return Math.max(1, Math.ceil(level / MAX_USERS_PER_WORKER), Math.min(minWorkers, level));
  const byRate = Math.ceil(level / MAX_RATE_PER_WORKER);
  const byInFlight = settings.maxInFlight === undefined ? 1 : Math.ceil(settings.maxInFlight / MAX_USERS_PER_WORKER);
  return Math.max(1, byRate, byInFlight, minWorkers);
}

function slicesFor(durationMs: number, sliceMs: number): PlannedSlice[] {
  const slices: PlannedSlice[] = [];
  for (let offset = 0, index = 0; offset < durationMs; offset += sliceMs, index++) {
    slices.push({ index, startOffsetMs: offset, durationMs: Math.min(sliceMs, durationMs - offset) });
  }
  return slices;
}

function timelineIntervalFor(totalMs: number): number {
  for (const interval of [1000, 5000, 10_000, 30_000, 60_000]) if (totalMs / interval <= 1000) return interval;
  return 300_000;
}

export function planRun(settings: RunSettings, options: PlanOptions): RunPlan {
  const warnings: string[] = [];
  let offset = 0;
  const steps = settings.levels.map((level, index): PlannedStep => {
    const workers = workersFor(settings, level, options.minWorkers ?? 1);
    const step: PlannedStep = {
      index,
      level,
      previousLevel: index === 0 ? 0 : settings.levels[index - 1]!,
      workers,
      startOffsetMs: offset,
      durationMs: settings.stepDurationMs,
      slices: slicesFor(settings.stepDurationMs, settings.sliceDurationMs),
    };
    offset += settings.stepDurationMs;
    if (settings.model === 'closed' && level / workers > MAX_USERS_PER_WORKER) {
      warnings.push(
        `step ${index + 1}: ${Math.ceil(level / workers)} users per worker is above ${MAX_USERS_PER_WORKER}; ` +
          `a Lambda worker has 1024 file descriptors (raise --workers)`,
      );
    }
    return step;
  });
  return {
    schemaVersion: 1,
    runId: options.runId ?? newRunId(),
    platform: options.platform,
    settings,
    steps,
    totalDurationMs: offset,
    timelineIntervalMs: timelineIntervalFor(offset),
    chainLeadMs: options.platform === 'aws' ? 10_000 : 1_000,
    warnings,
  };
}

/** Worker w's share of `total` split over `workers` (the first ones take the remainder). */
export function shareOf(total: number, workers: number, worker: number): number {
  const base = Math.floor(total / workers);
  return base + (worker < total - base * workers ? 1 : 0);
}

export function expectedSlices(step: PlannedStep): number {
  return step.workers * step.slices.length;
}

export function totalSliceTasks(plan: RunPlan): number {
  return plan.steps.reduce((sum, step) => sum + expectedSlices(step), 0);
}
