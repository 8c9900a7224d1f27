import { randomBytes } from 'node:crypto';
import type { RunSettings } from '../config/run-settings.js';
import { checkPlanSize } from './plan-limits.js';

/**
 * The plan: steps of load carried by lanes. A lane is one worker's succession of slice invocations;
 * its users (and their keep-alive connections) live across the steps inside a slice, as Locust's
 * users live for the whole test, and a step only adds or removes users at the spawn rate. Slices
 * are windows of the run's timeline, short enough for one Lambda invocation; they are the only
 * points where a lane's connections are re-opened. What a lane measures is kept apart per step:
 * one result per (step, slice, lane), so that steps are merged, judged and completed on their own.
 */
export type Platform = 'local' | 'aws';

export interface PlannedStep {
  index: number;
  /** Users (closed model) or req/s (open model). */
  level: number;
  /** The previous step's level, from which this step ramps (closed model). */
  previousLevel: number;
  /** Lanes carrying load in this step: the step's workers. */
  workers: number;
  /** Offset from the run's start (the start barrier). */
  startOffsetMs: number;
  durationMs: number;
}

/** A window of the run's timeline; every lane's invocations change at these boundaries. */
export interface PlannedSlice {
  index: number;
  startOffsetMs: number;
  durationMs: number;
}

/** One worker's lane, from its first step with load to its last. */
export interface PlannedLane {
  index: number;
  firstStep: number;
  lastStep: number;
  /** This lane's share of every step's load (users or req/s); 0 outside its steps. */
  levels: number[];
}

export interface RunPlan {
  schemaVersion: 2;
  runId: string;
  platform: Platform;
  settings: RunSettings;
  steps: PlannedStep[];
  lanes: PlannedLane[];
  slices: PlannedSlice[];
  totalDurationMs: number;
  timelineIntervalMs: number;
  /** A lane's next slice is invoked this long before its start, so that the load has no gap. */
  chainLeadMs: number;
  warnings: string[];
  /** Secrets taken out of the settings (markers in their place): a worker opens them to run (lib/secrets). */
  sealedSecrets?: number;
}

/**
 * A Lambda has 1024 file descriptors; the runtime, the SDK's sockets and the log pipe take some.
 * Keeping users (one keep-alive connection each) per worker below this avoids EMFILE.
 */
export const MAX_USERS_PER_WORKER = 900;
/** Open model: what one worker is asked to send; a 1 GB Lambda has about 0.6 of a vCPU. */
export const MAX_RATE_PER_WORKER = 2000;
/**
 * On AWS a slice is one invocation: long enough that hand-offs (and their idle start lead) are
 * rare, short enough that a crashed invocation costs its lane a few minutes, not the run.
 */
export const DEFAULT_AWS_SLICE_MS = 5 * 60_000;

export interface PlanOptions {
  platform: Platform;
  runId?: string;
  /** On one machine: at least one worker per core, so that every core makes load. */
  minWorkers?: number;
  /** How far ahead a lane's next slice is invoked (default: 10 s on AWS, a cold start and then some; 1 s locally). */
  chainLeadMs?: number;
  /** How many secrets the settings' markers stand for (sealSettings); 0 or absent: none. */
  sealedSecrets?: number;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Workers one step needs on its own: users per Lambda under its file-descriptor limit, rate per vCPU. */
function workersFor(settings: RunSettings, level: number, minWorkers: number): number {
  if (settings.model === 'closed') return Math.max(1, Math.ceil(level / MAX_USERS_PER_WORKER), Math.min(minWorkers, level));
  const byRate = Math.ceil(level / MAX_RATE_PER_WORKER);
  const byInFlight = settings.maxInFlight === undefined ? 1 : Math.ceil(settings.maxInFlight / MAX_USERS_PER_WORKER);
  return Math.max(1, byRate, byInFlight, minWorkers);
}

/** Worker w's share of `total` split over `workers` (the first ones take the remainder). */
export function shareOf(total: number, workers: number, worker: number): number {
  const base = Math.floor(total / workers);
  return base + (worker < total - base * workers ? 1 : 0);
}

/**
 * Each lane's share of each step. On one machine every lane runs from the start and the load is
 * spread evenly (the cores are there anyway). On AWS, where a lane costs by the second, lanes are
 * filled one after another up to the peak step's even share: a lane joins only when the load needs
 * it, and a rising step adds users to the newest lane instead of moving users between lanes.
 */
function laneLevels(settings: RunSettings, lanes: number, spread: 'even' | 'fill'): number[][] {
  const closed = settings.model === 'closed';
  const peak = Math.max(...settings.levels);
  const capacity = closed ? Math.ceil(peak / lanes) : peak / lanes;
  return settings.levels.map((level) =>
    Array.from({ length: lanes }, (_, lane) => {
      if (spread === 'even') return closed ? shareOf(level, lanes, lane) : level / lanes;
      const share = Math.min(capacity, Math.max(0, level - lane * capacity));
      return closed ? share : share < 1e-9 ? 0 : share;
    }),
  );
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

/** The slice length a platform uses when none is given: one slice for the whole run on one machine. */
export function sliceDurationFor(settings: RunSettings, platform: Platform, totalMs: number): number {
  return settings.sliceDurationMs ?? (platform === 'aws' ? DEFAULT_AWS_SLICE_MS : totalMs);
}

export function planRun(settings: RunSettings, options: PlanOptions): RunPlan {
  const warnings: string[] = [];
  const minWorkers = options.minWorkers ?? 1;
  const laneCount = settings.workers ?? Math.max(...settings.levels.map((level) => workersFor(settings, level, minWorkers)));
  const totalMs = settings.stepDurationMs * settings.levels.length;
  checkPlanSize(settings, { lanes: laneCount, steps: settings.levels.length, slices: Math.ceil(totalMs / sliceDurationFor(settings, options.platform, totalMs)) });
  const levels = laneLevels(settings, laneCount, options.platform === 'aws' ? 'fill' : 'even');
  const lanes: PlannedLane[] = Array.from({ length: laneCount }, (_, index) => {
    const laneLevelsByStep = levels.map((byLane) => byLane[index]!);
    const active = laneLevelsByStep.flatMap((level, step) => (level > 0 ? [step] : []));
    return { index, firstStep: active[0] ?? -1, lastStep: active[active.length - 1] ?? -1, levels: laneLevelsByStep };
  }).filter((lane) => lane.firstStep >= 0);

  let offset = 0;
  const steps = settings.levels.map((level, index): PlannedStep => {
    const step: PlannedStep = {
      index,
      level,
      previousLevel: index === 0 ? 0 : settings.levels[index - 1]!,
      workers: lanes.filter((lane) => lane.firstStep <= index && index <= lane.lastStep).length,
      startOffsetMs: offset,
      durationMs: settings.stepDurationMs,
    };
    offset += settings.stepDurationMs;
    const busiest = Math.max(...lanes.map((lane) => lane.levels[index]!));
    if (settings.model === 'closed' && busiest > MAX_USERS_PER_WORKER) {
      warnings.push(
        `step ${index + 1}: ${busiest} users per worker is above ${MAX_USERS_PER_WORKER}; ` +
          `a Lambda worker has 1024 file descriptors (raise --workers)`,
      );
    }
    return step;
  });
  return {
    schemaVersion: 2,
    runId: options.runId ?? newRunId(),
    platform: options.platform,
    settings,
    steps,
    lanes,
    slices: slicesFor(offset, sliceDurationFor(settings, options.platform, offset)),
    totalDurationMs: offset,
    timelineIntervalMs: timelineIntervalFor(offset),
    chainLeadMs: options.chainLeadMs ?? (options.platform === 'aws' ? 10_000 : 1_000),
    warnings,
    ...(options.sealedSecrets ? { sealedSecrets: options.sealedSecrets } : {}),
  };
}

/** The most users (closed) or req/s (open) one lane carries in any step. */
export function busiestLaneLevel(plan: RunPlan): number {
  return Math.max(0, ...plan.lanes.flatMap((lane) => lane.levels));
}
