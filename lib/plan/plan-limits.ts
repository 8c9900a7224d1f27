import { fieldLabel, type RunSettings } from '../config/run-settings.js';
import { InputError } from '../config/input-error.js';
import { atMost, INPUT_LIMITS } from '../config/input-limits.js';

/** How big a plan would be, counted before any of it is built. */
export interface PlanSize {
  lanes: number;
  steps: number;
  slices: number;
}

/** The field whose value decided how many workers the run needs. */
function workersField(settings: RunSettings): string {
  if (settings.workers !== undefined) return 'load.workers';
  if (settings.model === 'closed') return settings.levels.length > 1 ? 'load.steps' : 'load.users';
  return settings.maxInFlight !== undefined ? 'load.maxInFlight' : settings.levels.length > 1 ? 'load.steps' : 'load.rate';
}

/**
 * Refuses a plan too big to build, store or run, before it is built: a plan's size grows with its
 * workers × steps and workers × slices, which each input limit alone does not bound.
 */
export function checkPlanSize(settings: RunSettings, size: PlanSize): void {
  const { lanes, steps, slices } = size;
  let problem: { field: string; message: string } | undefined;
  if (lanes > INPUT_LIMITS.workers) {
    problem = { field: workersField(settings), message: `this run needs ${lanes.toLocaleString('en-US')} workers; ${atMost(INPUT_LIMITS.workers)}` };
  } else if (lanes * steps > INPUT_LIMITS.laneSteps) {
    problem = {
      field: settings.workers !== undefined ? 'load.workers' : 'load.steps',
      message: `${lanes} workers × ${steps} steps is ${(lanes * steps).toLocaleString('en-US')} shares of load; ${atMost(INPUT_LIMITS.laneSteps)} (fewer steps or workers)`,
    };
  } else if (lanes * slices > INPUT_LIMITS.invocations) {
    problem = {
      field: 'load.sliceDuration',
      message: `${lanes} workers × ${slices.toLocaleString('en-US')} slices is ${(lanes * slices).toLocaleString('en-US')} invocations; ${atMost(INPUT_LIMITS.invocations)} (longer slices, or fewer workers)`,
    };
  }
  if (problem) throw new InputError([{ field: fieldLabel(problem.field), message: problem.message }]);
}
