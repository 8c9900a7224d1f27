import { dirname, resolve } from 'node:path';
import type { InputError, InputProblem } from '../config/input-error.js';
import { inlineScenarioFiles } from '../flow/flow-settings.js';
import { settingsFromScenario, type RunFlags, type RunSettings } from '../config/run-settings.js';
import type { ScenarioFolder } from './scenario-folder.js';
import { scenarioOfForm, scenarioSourceOf } from './scenario-source.js';
import { startRunBodySchema, type FormField, type FormProblem, type StartRunForm } from './ui-api.js';

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

/**
 * Resolves the form as `fanout run [scenario] --flags` would, or throws the CLI's InputError; the
 * scenario is a listed file of `scenarios` or the form's pasted text.
 */
export async function settingsFromForm(form: StartRunForm, scenarios: ScenarioFolder): Promise<RunSettings> {
  const scenario = await scenarioOfForm(form, scenarios);
  if (!scenario) return settingsFromScenario(undefined, flagsOfForm(form));
  // Data and tls files beside a listed scenario (pasted text: in the folder's root), never outside the folder.
  const folder = form.scenarioFile === undefined ? scenarios.root : dirname(resolve(scenarios.root, form.scenarioFile));
  const source = scenarioSourceOf(form)?.label;
  const inlined = await inlineScenarioFiles(scenario, folder, process.env, { source, within: scenarios.root });
  return settingsFromScenario(inlined, flagsOfForm(form));
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
  '--max-cost': 'confirmCostUsd',
};

const FORM_FIELDS = new Set<string>(Object.keys(startRunBodySchema.shape));

/**
 * Which form field a problem is about: its flag (`--users`, `load.users (--users)`), the scenario
 * (`scenarios/x.yml: load.users`), or the field itself (`scenarioFile`).
 */
export function formFieldOf(problem: InputProblem, form: StartRunForm): FormField | undefined {
  const flag = /(?:^|\()(--[a-z-]+)\)?$/.exec(problem.field)?.[1];
  if (flag !== undefined) return FIELD_OF_FLAG[flag];
  const source = scenarioSourceOf(form);
  if (source && (problem.field === source.label || problem.field.startsWith(`${source.label}: `))) return source.formField;
  return FORM_FIELDS.has(problem.field) ? (problem.field as FormField) : undefined;
}

export function formProblems(error: InputError, form: StartRunForm): FormProblem[] {
  return error.problems.map((problem) => {
    const formField = formFieldOf(problem, form);
    return formField === undefined ? { ...problem } : { ...problem, formField };
  });
}
