import { z } from 'zod';
import type { PlannedSlice, PlannedStep, RunPlan } from './run-plan.js';

/** One unit of work: one worker's share of one time slice of one step. Also the worker's event. */
export const sliceTaskSchema = z
  .object({
    runId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'expected a run id'),
    step: z.number().int().min(0),
    slice: z.number().int().min(0),
    worker: z.number().int().min(0),
    /** The run's start barrier (epoch ms); the slice's planned start follows from the plan. */
    startAt: z.number().int().positive(),
  })
  .strict();

export type SliceTask = z.infer<typeof sliceTaskSchema>;

export function sliceKey(task: Pick<SliceTask, 'runId' | 'step' | 'slice' | 'worker'>): string {
  return `${stepPrefix(task.runId, task.step)}slices/${task.slice}/${task.worker}.cbor`;
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

export interface SliceWindow {
  step: PlannedStep;
  slice: PlannedSlice;
  plannedStart: number;
  plannedEnd: number;
}

export function sliceWindow(plan: RunPlan, task: SliceTask): SliceWindow {
  const step = plan.steps[task.step];
  const slice = step?.slices[task.slice];
  if (!step || !slice || task.worker >= step.workers) {
    throw new Error(`slice ${task.step}/${task.slice}/${task.worker} is not in the plan of run ${plan.runId}`);
  }
  const plannedStart = task.startAt + step.startOffsetMs + slice.startOffsetMs;
  return { step, slice, plannedStart, plannedEnd: plannedStart + slice.durationMs };
}

export function firstTasks(plan: RunPlan, startAt: number): SliceTask[] {
  const first = plan.steps[0];
  if (!first) return [];
  return Array.from({ length: first.workers }, (_, worker) => ({ runId: plan.runId, step: 0, slice: 0, worker, startAt }));
}

/**
 * The tasks a finishing task hands the load on to: the same worker's next slice, or at a step's end,
 * the next step's workers spread over this step's (worker w starts every w' with w' mod W = w).
 */
export function successorsOf(plan: RunPlan, task: SliceTask): SliceTask[] {
  const step = plan.steps[task.step]!;
  if (task.slice + 1 < step.slices.length) return [{ ...task, slice: task.slice + 1 }];
  const next = plan.steps[task.step + 1];
  if (!next) return [];
  const tasks: SliceTask[] = [];
  for (let worker = task.worker; worker < next.workers; worker += step.workers) {
    tasks.push({ runId: task.runId, step: task.step + 1, slice: 0, worker, startAt: task.startAt });
  }
  return tasks;
}
