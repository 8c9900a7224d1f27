import { z } from 'zod';
import type { PlannedLane, PlannedSlice, RunPlan } from './run-plan.js';

/** One unit of work: one lane's time slice, which may span steps. Also the worker's event. */
export const sliceTaskSchema = z
  .object({
    runId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'expected a run id'),
    lane: z.number().int().min(0),
    slice: z.number().int().min(0),
    /** The run's start barrier (epoch ms); the slice's planned start follows from the plan. */
    startAt: z.number().int().positive(),
  })
  .strict();

export type SliceTask = z.infer<typeof sliceTaskSchema>;

/** What a slice measured in one step: the unit that is stored, counted and merged. */
export interface StepPartKey {
  runId: string;
  step: number;
  slice: number;
  lane: number;
}

export function stepPartKey(part: StepPartKey): string {
  return `${stepPrefix(part.runId, part.step)}slices/${part.slice}/${part.lane}.cbor`;
}

export function stepPrefix(runId: string, step: number): string {
  return `${runId}/steps/${step}/`;
}

export function planKey(runId: string): string {
  return `${runId}/plan.json`;
}

export function reportKey(runId: string): string {
  return `${runId}/report.json`;
}

/** The self-contained HTML rendering of report.json, beside it. */
export function reportHtmlKey(runId: string): string {
  return `${runId}/report.html`;
}

/** A span of the run's timeline, in ms from the start barrier. */
export interface OffsetSpan {
  startOffsetMs: number;
  endOffsetMs: number;
}

export interface StepPartWindow extends OffsetSpan {
  step: number;
}

export interface SliceWindow extends OffsetSpan {
  lane: PlannedLane;
  slice: PlannedSlice;
  /** Epoch ms. */
  plannedStart: number;
  plannedEnd: number;
  /** The steps this slice covers, each clipped to the slice: one stored result each. */
  parts: StepPartWindow[];
  /** The lane goes on in a next slice: requests in flight at the end are cut, not waited for. */
  handsOver: boolean;
}

export function laneSpan(plan: RunPlan, lane: PlannedLane): OffsetSpan {
  const first = plan.steps[lane.firstStep]!;
  const last = plan.steps[lane.lastStep]!;
  return { startOffsetMs: first.startOffsetMs, endOffsetMs: last.startOffsetMs + last.durationMs };
}

function overlap(a: OffsetSpan, b: OffsetSpan): OffsetSpan | undefined {
  const startOffsetMs = Math.max(a.startOffsetMs, b.startOffsetMs);
  const endOffsetMs = Math.min(a.endOffsetMs, b.endOffsetMs);
  return startOffsetMs < endOffsetMs ? { startOffsetMs, endOffsetMs } : undefined;
}

const sliceSpan = (slice: PlannedSlice): OffsetSpan => ({ startOffsetMs: slice.startOffsetMs, endOffsetMs: slice.startOffsetMs + slice.durationMs });

/** The slices a lane runs, in order, each clipped to the lane's span. */
export function laneSlices(plan: RunPlan, lane: PlannedLane): Array<{ slice: PlannedSlice; span: OffsetSpan }> {
  const span = laneSpan(plan, lane);
  return plan.slices.flatMap((slice) => {
    const clipped = overlap(sliceSpan(slice), span);
    return clipped ? [{ slice, span: clipped }] : [];
  });
}

export function sliceWindow(plan: RunPlan, task: Pick<SliceTask, 'lane' | 'slice' | 'startAt'>): SliceWindow {
  const lane = plan.lanes.find((candidate) => candidate.index === task.lane);
  const slices = lane ? laneSlices(plan, lane) : [];
  const position = slices.findIndex((entry) => entry.slice.index === task.slice);
  if (!lane || position === -1) throw new Error(`slice ${task.slice} of lane ${task.lane} is not in the plan of run ${plan.runId}`);
  const { slice, span } = slices[position]!;
  const parts: StepPartWindow[] = [];
  for (let step = lane.firstStep; step <= lane.lastStep; step++) {
    const planned = plan.steps[step]!;
    const clipped = overlap(span, { startOffsetMs: planned.startOffsetMs, endOffsetMs: planned.startOffsetMs + planned.durationMs });
    if (clipped) parts.push({ step, ...clipped });
  }
  return {
    ...span,
    lane,
    slice,
    plannedStart: task.startAt + span.startOffsetMs,
    plannedEnd: task.startAt + span.endOffsetMs,
    parts,
    handsOver: position + 1 < slices.length,
  };
}

/** Lanes whose load covers all of `span`: the ones a live view of it waits for. */
export function lanesCovering(plan: RunPlan, span: OffsetSpan): number {
  return plan.lanes.filter((lane) => {
    const covered = laneSpan(plan, lane);
    return covered.startOffsetMs <= span.startOffsetMs && span.endOffsetMs <= covered.endOffsetMs;
  }).length;
}

/** The (slice, lane) results a step is complete with. */
export function expectedParts(plan: RunPlan, step: number): Array<{ slice: number; lane: number }> {
  const planned = plan.steps[step]!;
  const stepSpan = { startOffsetMs: planned.startOffsetMs, endOffsetMs: planned.startOffsetMs + planned.durationMs };
  return plan.lanes
    .filter((lane) => lane.firstStep <= step && step <= lane.lastStep)
    .flatMap((lane) => plan.slices.filter((slice) => overlap(sliceSpan(slice), stepSpan)).map((slice) => ({ slice: slice.index, lane: lane.index })));
}

export function expectedPartCount(plan: RunPlan, step: number): number {
  return expectedParts(plan, step).length;
}

export function totalStepParts(plan: RunPlan): number {
  return plan.steps.reduce((sum, step) => sum + expectedPartCount(plan, step.index), 0);
}

/** Every slice invocation of the run, lane by lane. */
export function allSliceTasks(plan: RunPlan, startAt: number): SliceTask[] {
  return plan.lanes.flatMap((lane) => laneSlices(plan, lane).map(({ slice }) => ({ runId: plan.runId, lane: lane.index, slice: slice.index, startAt })));
}

/** An invocation a running slice makes, `atOffsetMs` after the start barrier. */
export interface ScheduledInvocation {
  task: SliceTask;
  atOffsetMs: number;
}

/**
 * Who invokes each slice. A lane's next slice is invoked by its current one, `chainLeadMs` ahead.
 * A lane's first slice is invoked by the coordinator when the lane starts within the start lead;
 * otherwise by a sponsor, a lane already running then (spread over them by lane number), from the
 * slice of the sponsor that covers the moment.
 */
interface InvocationPlan {
  first: SliceTask[];
  bySlice: Map<string, ScheduledInvocation[]>;
}

/** Computed once per plan and start barrier: every slice task of a warm worker asks for it. */
const invocationPlans = new WeakMap<RunPlan, { startAt: number; invocations: InvocationPlan }>();

function invocationPlan(plan: RunPlan, startAt: number): InvocationPlan {
  const cached = invocationPlans.get(plan);
  if (cached?.startAt === startAt) return cached.invocations;
  const invocations = buildInvocationPlan(plan, startAt);
  invocationPlans.set(plan, { startAt, invocations });
  return invocations;
}

function buildInvocationPlan(plan: RunPlan, startAt: number): InvocationPlan {
  const first: SliceTask[] = [];
  const bySlice = new Map<string, ScheduledInvocation[]>();
  const schedule = (lane: number, slice: number, invocation: ScheduledInvocation) => {
    const key = `${lane}/${slice}`;
    bySlice.set(key, [...(bySlice.get(key) ?? []), invocation]);
  };
  const spans = new Map(plan.lanes.map((lane) => [lane.index, laneSlices(plan, lane)]));
  for (const lane of plan.lanes) {
    const slices = spans.get(lane.index)!;
    slices.forEach((entry, position) => {
      const next = slices[position + 1];
      if (next) {
        schedule(lane.index, entry.slice.index, {
          task: { runId: plan.runId, lane: lane.index, slice: next.slice.index, startAt },
          atOffsetMs: next.span.startOffsetMs - plan.chainLeadMs,
        });
      }
    });
    const start = slices[0]!.span.startOffsetMs;
    const task = { runId: plan.runId, lane: lane.index, slice: slices[0]!.slice.index, startAt };
    const invokeAt = start - plan.chainLeadMs;
    if (invokeAt <= 0) {
      first.push(task);
      continue;
    }
    const sponsors = plan.lanes.flatMap((candidate) => {
      const covering = spans.get(candidate.index)!.find(({ span }) => span.startOffsetMs <= invokeAt && invokeAt < span.endOffsetMs);
      return covering ? [{ lane: candidate.index, slice: covering.slice.index }] : [];
    });
    const sponsor = sponsors[lane.index % sponsors.length];
    if (sponsor) schedule(sponsor.lane, sponsor.slice, { task, atOffsetMs: invokeAt });
    else first.push(task);
  }
  return { first, bySlice };
}

/** The slices the coordinator fans out at the start. */
export function firstTasks(plan: RunPlan, startAt: number): SliceTask[] {
  return invocationPlan(plan, startAt).first;
}

/** The invocations a slice makes while it runs: its lane's next slice, and lanes it sponsors. */
export function invocationsDuring(plan: RunPlan, task: SliceTask): ScheduledInvocation[] {
  return invocationPlan(plan, task.startAt).bySlice.get(`${task.lane}/${task.slice}`) ?? [];
}

/** One slice invocation and when the plan makes it: by the coordinator's fan-out, or by a running slice. */
export interface PlannedInvocation {
  task: SliceTask;
  /** Ms from the start barrier when a running slice invokes it; absent: the coordinator fans it out. */
  atOffsetMs?: number;
}

/** Every slice invocation of the run and who makes it when: what the run's supervisor checks off. */
export function plannedInvocations(plan: RunPlan, startAt: number): PlannedInvocation[] {
  const invocations = invocationPlan(plan, startAt);
  return [
    ...invocations.first.map((task) => ({ task })),
    ...[...invocations.bySlice.values()].flat().map(({ task, atOffsetMs }) => ({ task, atOffsetMs })),
  ];
}

