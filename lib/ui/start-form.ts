import { InputError, type InputProblem } from '../config/input-error.js';
import { settingsFromCli, type RunFlags, type RunSettings } from '../config/run-settings.js';
import type { FormField, FormProblem, StartRunForm } from './ui-api.js';

/**
 * The start form is the `run` command in a browser: its fields become the command's flags and go
 * through the very same validation, so a mistake reads exactly as the CLI would print it.
 */
export function flagsOfForm(form: StartRunForm): RunFlags {
  const loadGiven = form.users !== undefined || form.rate !== undefined || form.steps !== undefined;
  return {
    target: form.target,
    // The form's users/rate choice is the CLI's --model; it only speaks when the form says how much load.
    model: loadGiven ? (form.load === 'rate' ? 'open' : 'closed') : undefined,
    users: form.load === 'users' ? form.users : undefined,
    rate: form.load === 'rate' ? form.rate : undefined,
    spawnRate: form.load === 'users' ? form.spawnRate : undefined,
    duration: form.duration,
    steps: form.steps,
    stepDuration: form.stepDuration,
    slo: form.slo,
  };
}

/** Resolves the form as `fanout run [scenario] --flags` would, or throws the CLI's InputError. */
export async function settingsFromForm(form: StartRunForm): Promise<RunSettings> {
  return settingsFromCli(form.scenario, flagsOfForm(form));
}

const FIELD_OF_FLAG: Record<string, FormField> = {
  '--target': 'target',
  '--users': 'users',
  '--rate': 'rate',
  '--spawn-rate': 'spawnRate',
  '--duration': 'duration',
  '--steps': 'steps',
  '--step-duration': 'stepDuration',
  '--slo': 'slo',
  '--model': 'load',
  '--platform': 'platform',
  '--max-cost': 'yes',
  '--yes': 'yes',
};

/** Which form field a CLI problem is about: its flag (`--users`, `load.users (--users)`) or the scenario file. */
export function formFieldOf(problem: InputProblem, form: StartRunForm): FormField | undefined {
  const flag = /(?:^|\()(--[a-z-]+)\)?$/.exec(problem.field)?.[1];
  if (flag !== undefined) return FIELD_OF_FLAG[flag];
  if (form.scenario !== undefined && (problem.field === form.scenario || problem.field.startsWith(`${form.scenario}: `))) return 'scenario';
  return undefined;
}

export function formProblems(error: InputError, form: StartRunForm): FormProblem[] {
  return error.problems.map((problem) => {
    const formField = formFieldOf(problem, form);
    return formField === undefined ? { ...problem } : { ...problem, formField };
  });
}
