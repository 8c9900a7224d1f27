import type { HttpMethod } from '../config/http-method.js';
import { InputError } from '../config/input-error.js';
import { compileCapture, type CompiledCapture } from './capture.js';
import { compileChecks, type CompiledCheck } from './checks.js';
import { isThinkStep, stepName, type FlowScenario, type FlowStep, type RequestStep } from './flow-schema.js';
import { compileConstant, compileJsonTemplate, compileTemplate, type ConstantPart, type Template, type TemplateScope } from './template.js';

/**
 * Compiles a scenario's onStart and flows into steps whose templates, captures and checks are
 * ready to run, checking every name on the way: in a step, a template may read a variable, a data
 * column (`accounts.user`), `${env:NAME}`, a helper, or a value captured by onStart or by an
 * earlier step of the same flow. Anything else is an InputError naming the step and the field.
 *
 * The result is plain data (JSON-serialisable) and compiling is deterministic and cheap (well
 * under a millisecond for a scenario like scenarios/shop), so a worker can either take the
 * compiled JSON from its plan or compile again from the scenario document, the env values listed
 * in `env` and the data sets' columns, and get the same result.
 */

export interface FlowCompileOptions {
  /** For `${env:NAME}`: process.env on the CLI; on a worker, the values of the names in CompiledFlows.env. */
  env: Readonly<Record<string, string | undefined>>;
  /** Each data set's column names, by data set (see data-files.ts). */
  dataColumns: Readonly<Record<string, readonly string[]>>;
  /** Put before every field in errors, as parseScenario does: the scenario file. */
  source?: string | undefined;
}

export interface CompiledFlows {
  /** What each entry of a user's values holds, by slot: data columns first, then captures. */
  slots: string[];
  /** Where a new user's data rows go: column `column` of data set `dataSet` into `slot`. */
  dataSlots: DataSlot[];
  /** Run once per user, before its first iteration; empty when there is no onStart. */
  onStart: CompiledStep[];
  /** Each iteration runs one, picked by weight. */
  flows: CompiledFlow[];
  /** Environment variables the templates read. Their values are in the templates (TemplatePart `env`): secrets. */
  env: string[];
}

export interface DataSlot {
  dataSet: string;
  column: number;
  slot: number;
}

export interface CompiledFlow {
  name: string;
  weight: number;
  steps: CompiledStep[];
}

export type CompiledStep = CompiledRequestStep | CompiledThinkStep;

export interface CompiledRequestStep {
  kind: 'request';
  /** The step's place in the scenario, for messages: `flows[0].steps[1]`, `onStart[0]`. */
  field: string;
  /** For the report; `METHOD path` (the path as written) when the step has no name. */
  name: string;
  method: HttpMethod;
  path: Template;
  /** In the order written; `content-type: application/json` added for a json body unless given. */
  headers: CompiledHeader[];
  /** The body text (a json body already serialised, its string leaves templated); undefined: none. */
  body: Template | undefined;
  /** Run in order on the final response (after redirects); the first that finds nothing stops the iteration. */
  captures: CompiledCapture[];
  /**
   * Evaluated on the final response. With no `status` check among them, the engine's rule for
   * `requests:` holds: any 2xx, anything else an `http_status` error.
   */
  checks: CompiledCheck[];
  /** Redirects to follow (0: none). */
  redirects: number;
}

export interface CompiledHeader {
  name: string;
  value: Template;
}

export interface CompiledThinkStep {
  kind: 'think';
  field: string;
  /** Uniform between the two; equal for a fixed pause. */
  minMs: number;
  maxMs: number;
}

export function compileFlows(scenario: FlowScenario, options: FlowCompileOptions): CompiledFlows {
  const fieldOf = (path: string) => (options.source ? `${options.source}: ${path}` : path);
  const dataSetNames = new Set(Object.keys(scenario.data ?? {}));

  const constants = new Map<string, readonly ConstantPart[]>();
  for (const [name, value] of Object.entries(scenario.variables ?? {})) {
    if (dataSetNames.has(name)) throw new InputError([{ field: fieldOf(`variables.${name}`), message: `${name} is also the name of a data set` }]);
    constants.set(name, compileConstant(value, options.env, fieldOf(`variables.${name}`)));
  }

  // A name keeps one slot wherever it is captured, so that onStart's token and a flow's refreshed
  // token are the same value; which names a step may read is tracked apart, in `visible`.
  const slots: string[] = [];
  const slotByName = new Map<string, number>();
  const slotFor = (name: string) => {
    let slot = slotByName.get(name);
    if (slot === undefined) {
      slot = slots.push(name) - 1;
      slotByName.set(name, slot);
    }
    return slot;
  };

  const dataSlots: DataSlot[] = [];
  for (const dataSet of dataSetNames) {
    const columns = options.dataColumns[dataSet];
    if (!columns) throw new Error(`compileFlows: no columns given for data set ${dataSet}; load the data files first`);
    columns.forEach((column, index) => dataSlots.push({ dataSet, column: index, slot: slotFor(`${dataSet}.${column}`) }));
  }
  const visibleAtStart = new Map(slotByName);

  const env = new Set<string>();
  const compileSteps = (steps: readonly FlowStep[], fieldPrefix: string, visible: Map<string, number>): CompiledStep[] =>
    steps.map((step, index) => {
      const field = `${fieldPrefix}[${index}]`;
      if (isThinkStep(step)) return { kind: 'think', field, minMs: step.think.minMs, maxMs: step.think.maxMs };
      const compiled = compileRequestStep(step, field, fieldOf, { env: options.env, constants, slots: visible });
      for (const template of templatesOf(compiled)) for (const name of template.env) env.add(name);
      // The step's captures are visible from the next step on, never in its own templates.
      compiled.captures = Object.entries(step.capture).map(([name, spec]) => {
        const captureField = fieldOf(`${field}.capture.${name}`);
        if (constants.has(name)) throw new InputError([{ field: captureField, message: `${name} is a variable; captures and variables need different names` }]);
        if (dataSetNames.has(name)) throw new InputError([{ field: captureField, message: `${name} is the name of a data set` }]);
        const slot = slotFor(name);
        visible.set(name, slot);
        return compileCapture(name, spec, slot, captureField);
      });
      return compiled;
    });

  const visibleAfterStart = new Map(visibleAtStart);
  const onStart = compileSteps(scenario.onStart ?? [], 'onStart', visibleAfterStart);
  const flows = scenario.flows.map((flow, index) => ({
    name: flow.name,
    weight: flow.weight,
    steps: compileSteps(flow.steps, `flows[${index}].steps`, new Map(visibleAfterStart)),
  }));
  for (const parts of constants.values()) for (const part of parts) if (part.kind === 'env') env.add(part.name);

  return { slots, dataSlots, onStart, flows, env: [...env].sort() };
}

function compileRequestStep(step: RequestStep, field: string, fieldOf: (path: string) => string, scopeBase: Omit<TemplateScope, 'where'>): CompiledRequestStep {
  const name = stepName(step);
  const scope: TemplateScope = { ...scopeBase, where: `step ${JSON.stringify(name)}` };
  const headers = Object.entries(step.headers).map(([header, value]) => ({
    name: header,
    value: compileTemplate(value, scope, fieldOf(`${field}.headers.${header}`)),
  }));
  let body: Template | undefined;
  if (step.json !== undefined) {
    body = compileJsonTemplate(step.json, scope, fieldOf(`${field}.json`));
    if (!headers.some((header) => header.name.toLowerCase() === 'content-type')) {
      headers.push({ name: 'content-type', value: { static: true, value: 'application/json', source: 'application/json', env: [] } });
    }
  } else if (step.body !== undefined) {
    body = compileTemplate(step.body, scope, fieldOf(`${field}.body`));
  }
  return {
    kind: 'request',
    field,
    name,
    method: step.method,
    path: compileTemplate(step.path, scope, fieldOf(`${field}.path`)),
    headers,
    body,
    captures: [],
    checks: compileChecks(step.expect),
    redirects: step.redirects,
  };
}

function templatesOf(step: CompiledRequestStep): Template[] {
  return [step.path, ...step.headers.map((header) => header.value), ...(step.body ? [step.body] : [])];
}
