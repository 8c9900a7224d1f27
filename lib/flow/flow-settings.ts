import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { InputError, type InputProblem } from '../config/input-error.js';
import type { Scenario } from '../config/scenario-schema.js';
import { compileFlows, type CompiledFlows } from './compile-flows.js';
import { checkDataRows, dataColumnsOf, loadDataSets, type DataSets } from './data-files.js';
import type { DataSpec, FlowScenario } from './flow-schema.js';

/**
 * What a run of users that follow flows carries in its plan, for every worker to compile again:
 * the validated flows (plain JSON), the data sets' rows, and the values of the `${env:NAME}` the
 * templates read (secrets).
 */
export interface FlowSettings {
  scenario: FlowScenario;
  dataSets: DataSets;
  env: Record<string, string>;
}

/** A bundled scenario module (`fanout run shop.ts`): its code runs on the workers only. */
export interface ModuleSettings {
  code: string;
  file: string;
  flows: Array<{ name: string; weight: number }>;
  onStart: boolean;
  dataSets: DataSets;
}

/**
 * The CLI's step before validation of the whole: what only the machine that starts the run can
 * read goes into the scenario itself, so that the scenario alone (a POST /runs body, a plan) holds
 * all a worker needs. Data files become their rows, `${env:NAME}` values are taken from `env` (only
 * the names the flows read), and `tls` files become their PEM text. Paths are relative to `folder`.
 */
export async function inlineScenarioFiles(
  scenario: Scenario,
  folder: string,
  env: Readonly<Record<string, string | undefined>>,
  options: { source?: string | undefined; within?: string | undefined } = {},
): Promise<Scenario> {
  const { source } = options;
  const fieldOf = (field: string) => (source ? `${source}: ${field}` : field);
  // The web UI reads files of its folder only: a scenario naming ../../somewhere is refused unread.
  const inside = (field: string, file: string) => {
    if (options.within === undefined) return;
    const path = resolve(folder, file);
    if (path !== options.within && !path.startsWith(`${options.within}${sep}`)) {
      throw new InputError([{ field: fieldOf(field), message: `${file} is outside the scenario folder` }]);
    }
  };
  let inlined: Scenario = scenario;
  if (scenario.data !== undefined) {
    for (const [name, spec] of Object.entries(scenario.data)) if (spec.rows === undefined) inside(`data.${name}`, spec.file);
    const inline = Object.values(scenario.data).every((spec) => spec.rows !== undefined);
    const dataSets = inline ? dataSetsOf(scenario.data, source) : await loadDataSets(scenario.data, folder, source);
    const data: DataSpec = Object.fromEntries(
      Object.entries(scenario.data).map(([name, spec]) => [name, { ...spec, columns: dataSets[name]!.columns, rows: dataSets[name]!.rows }]),
    );
    inlined = { ...inlined, data };
  }
  if (scenario.flows !== undefined && scenario.environment === undefined) {
    // Compiling tells which variables the templates read: only those travel, never the whole environment.
    const compiled = compileFlows(flowScenarioOf(inlined), { env, dataColumns: dataColumnsOf(dataSetsOf(inlined.data, source)), source });
    inlined = { ...inlined, environment: Object.fromEntries(compiled.env.map((name) => [name, env[name]!])) };
  }
  if (scenario.tls !== undefined) {
    const pem = async (field: 'ca' | 'cert' | 'key'): Promise<string | undefined> => {
      const value = scenario.tls![field];
      if (value === undefined || value.startsWith('-----BEGIN')) return value;
      inside(`tls.${field}`, value);
      try {
        return await readFile(resolve(folder, value), 'utf8');
      } catch (error) {
        throw new InputError([{ field: fieldOf(`tls.${field}`), message: `cannot read ${value} (${(error as NodeJS.ErrnoException).code ?? String(error)})` }]);
      }
    };
    inlined = { ...inlined, tls: { ...scenario.tls, ca: await pem('ca'), cert: await pem('cert'), key: await pem('key') } };
  }
  return inlined;
}

function flowScenarioOf(scenario: Scenario): FlowScenario {
  return { variables: scenario.variables, data: scenario.data, onStart: scenario.onStart, flows: scenario.flows ?? [] };
}

/** The data sets of a scenario whose data is inline (see inlineScenarioFiles). */
function dataSetsOf(data: DataSpec | undefined, source?: string): DataSets {
  const problems: InputProblem[] = [];
  const dataSets: DataSets = {};
  for (const [name, spec] of Object.entries(data ?? {})) {
    if (spec.columns === undefined || spec.rows === undefined) {
      problems.push({ field: source ? `${source}: data.${name}` : `data.${name}`, message: `${spec.file}: the rows are not in the scenario (fanout run reads the file and sends them; give columns and rows)` });
      continue;
    }
    dataSets[name] = { name, file: spec.file, pick: spec.pick, columns: spec.columns, rows: spec.rows };
  }
  if (problems.length > 0) throw new InputError(problems);
  return dataSets;
}

/**
 * Flows checked as they will run: every name of every template known, every unique data set with a
 * row for each of the run's users (`peakUsers`: the most at once; users keep their number, and so
 * their row, across steps and slices). Throws InputError naming the field.
 */
export function resolveFlowSettings(scenario: Scenario, peakUsers: number, source?: string): FlowSettings {
  const dataSets = dataSetsOf(scenario.data, source);
  const env = scenario.environment ?? {};
  const flows = flowScenarioOf(scenario);
  compileFlows(flows, { env, dataColumns: dataColumnsOf(dataSets), source });
  checkDataRows(dataSets, peakUsers, source);
  return { scenario: flows, dataSets, env };
}

export function resolveModuleSettings(scenario: Scenario, peakUsers: number, source?: string): ModuleSettings {
  const module = scenario.module!;
  const dataSets = dataSetsOf(scenario.data, source);
  checkDataRows(dataSets, peakUsers, source);
  return { code: module.code, file: module.file, flows: module.flows, onStart: module.onStart, dataSets };
}

/** Compiled once per process and run: every slice of a warm worker reuses it. */
const compiledByRun = new Map<string, CompiledFlows>();

/** The flows compiled on a worker from the plan's settings (validated when the run was planned). */
export function compiledFlowsOf(runId: string, flows: FlowSettings): CompiledFlows {
  let compiled = compiledByRun.get(runId);
  if (!compiled) {
    compiled = compileFlows(flows.scenario, { env: flows.env, dataColumns: dataColumnsOf(flows.dataSets) });
    compiledByRun.set(runId, compiled);
  }
  return compiled;
}
