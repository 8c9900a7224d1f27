import { MAX_USERS_PER_WORKER, type PlannedLane, type RunPlan } from '../plan/run-plan.js';
import { sliceWindow, type SliceTask } from '../plan/slice-task.js';

/**
 * One step's stretch of a slice, as this lane runs it: its share of the step's load and how it gets
 * there. The users (and connections) of one segment carry over into the next; a result is kept
 * per segment.
 */
export interface LaneSegment {
  step: number;
  /** Epoch ms, clipped to the slice. */
  plannedStart: number;
  plannedEnd: number;
  /** Epoch ms when the step itself began (before the slice, when the slice started mid-step). */
  stepStart: number;
  /** This lane's users (closed) or req/s (open) in the step. */
  level: number;
  /** This lane's level in the previous step: the closed model ramps from it at the step's start. */
  fromLevel: number;
  /** Closed model: users this lane adds (or removes) per second while it ramps. */
  rampPerSecond: number;
  /** Open model: the most requests this lane has in flight (one connection each). */
  maxInFlight: number;
  /** Open model: shifts this lane's schedule so that lanes do not all send at the same instant. */
  phaseMs: number;
}

export interface LaneSliceSchedule {
  plannedStart: number;
  plannedEnd: number;
  segments: LaneSegment[];
  /** The lane goes on in another invocation: what is in flight at the end is cut, not waited for. */
  handsOver: boolean;
  /**
   * The run-wide number of the lane's first user: users are numbered across the run (lane after
   * lane, each lane counting up to its busiest step), so a user keeps its number, and its data
   * rows, across steps and slices.
   */
  firstUserNumber: number;
}

/** The most users (or connections, in the open model) a lane has at once. */
export function laneCapacity(plan: RunPlan, lane: PlannedLane): number {
  if (plan.settings.model === 'closed') return Math.max(0, ...lane.levels);
  return Math.max(0, ...lane.levels.map((level, step) => (level > 0 ? laneMaxInFlight(plan, step, level) : 0)));
}

/**
 * The lanes' spawn rates add up to the run's: each lane ramps its own change over the same time, so
 * a step reaches its users at the spawn rate whichever lanes carry them.
 */
function laneRampPerSecond(plan: RunPlan, step: number, laneChange: number): number {
  const totalChange = plan.lanes.reduce((sum, lane) => sum + Math.abs(lane.levels[step]! - (step === 0 ? 0 : lane.levels[step - 1]!)), 0);
  const spawnRate = plan.settings.spawnRate;
  return totalChange === 0 ? spawnRate : (spawnRate * Math.abs(laneChange)) / totalChange;
}

function laneMaxInFlight(plan: RunPlan, step: number, level: number): number {
  const maxInFlight = plan.settings.maxInFlight;
  const stepLevel = plan.steps[step]!.level;
  if (maxInFlight === undefined) return MAX_USERS_PER_WORKER;
  return Math.max(1, Math.ceil((maxInFlight * level) / stepLevel));
}

export function laneSliceSchedule(plan: RunPlan, task: SliceTask): LaneSliceSchedule {
  const window = sliceWindow(plan, task);
  const { lane } = window;
  const segments = window.parts.map((part): LaneSegment => {
    const level = lane.levels[part.step]!;
    const fromLevel = part.step === 0 ? 0 : lane.levels[part.step - 1]!;
    return {
      step: part.step,
      plannedStart: task.startAt + part.startOffsetMs,
      plannedEnd: task.startAt + part.endOffsetMs,
      stepStart: task.startAt + plan.steps[part.step]!.startOffsetMs,
      level,
      fromLevel,
      rampPerSecond: laneRampPerSecond(plan, part.step, level - fromLevel),
      maxInFlight: laneMaxInFlight(plan, part.step, level),
      phaseMs: level > 0 ? (lane.index / plan.lanes.length) * (1000 / level) : 0,
    };
  });
  const { first: firstUserNumber } = laneUserNumbers(plan, lane);
  return { plannedStart: window.plannedStart, plannedEnd: window.plannedEnd, segments, handsOver: window.handsOver, firstUserNumber };
}

/** Users the lane has `elapsedMs` into a step that ramps from `fromLevel` to `level` at `rampPerSecond`. */
export function usersAt(segment: Pick<LaneSegment, 'level' | 'fromLevel' | 'rampPerSecond'>, elapsedMs: number): number {
  const change = segment.level - segment.fromLevel;
  const ramped = Math.min(Math.abs(change), Math.floor((segment.rampPerSecond * Math.max(0, elapsedMs)) / 1000 + 1e-9));
  return segment.fromLevel + Math.sign(change) * ramped;
}

/** The run-wide numbers of a lane's users: `count` of them from `first` (lane after lane). */
export function laneUserNumbers(plan: RunPlan, lane: PlannedLane): { first: number; count: number } {
  const first = plan.lanes.filter((other) => other.index < lane.index).reduce((sum, other) => sum + laneCapacity(plan, other), 0);
  return { first, count: laneCapacity(plan, lane) };
}
