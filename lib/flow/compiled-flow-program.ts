import { pickThinkMs } from '../config/think-time.js';
import { renderTemplate } from './template.js';
import { KEEP_BODY, KEEP_HEAD } from '../engine/response-parser.js';
import { weightedPicker } from '../engine/weighted-pick.js';
import type { CompiledFlows, CompiledRequestStep, CompiledStep, CompiledThinkStep } from './compile-flows.js';
import type { FlowProgram, FlowUser } from './flow-user.js';

/**
 * Flows from a scenario file, as a user runs them: each request step rendered from its templates
 * with the user's values, sent, checked and captured; think steps pause the user. A capture that
 * finds nothing ends the iteration (the step is already counted as an error of type `capture`).
 */
export function compiledFlowProgram(compiled: CompiledFlows): FlowProgram {
  const flows = compiled.flows.map((flow) => {
    const steps = flow.steps.map(prepareStep);
    return { name: flow.name, run: (user: FlowUser) => runSteps(user, steps) };
  });
  const onStart = compiled.onStart.map(prepareStep);
  return {
    ...(onStart.length > 0 ? { onStart: (user: FlowUser) => runSteps(user, onStart) } : {}),
    pick: weightedPicker(flows, compiled.flows.map((flow) => flow.weight)),
  };
}

/** A request step with what every user's send of it shares, worked out once. */
interface PreparedRequestStep {
  kind: 'request';
  step: CompiledRequestStep;
  /** Headers fixed at load time, as the pair sent; undefined where the value is templated. */
  fixedHeaders: Array<readonly [string, string] | undefined>;
  /** What of the response its checks and captures read (cookies and redirects are always read). */
  keep: number;
}

type PreparedStep = PreparedRequestStep | CompiledThinkStep;

function prepareStep(step: CompiledStep): PreparedStep {
  if (step.kind === 'think') return step;
  const body = step.checks.some((check) => check.kind !== 'status' && check.kind !== 'maxDuration') || step.captures.some((capture) => capture.from === 'json' || capture.from === 'regex');
  const head = step.captures.some((capture) => capture.from === 'header');
  return {
    kind: 'request',
    step,
    fixedHeaders: step.headers.map((header) => (header.value.static ? ([header.name, header.value.value] as const) : undefined)),
    keep: (body ? KEEP_BODY : 0) | (head ? KEEP_HEAD : 0),
  };
}

function renderHeaders({ step, fixedHeaders }: PreparedRequestStep, values: unknown[]): Array<readonly [string, string]> {
  const pairs: Array<readonly [string, string]> = new Array(step.headers.length);
  for (let index = 0; index < pairs.length; index++) {
    const header = step.headers[index]!;
    pairs[index] = fixedHeaders[index] ?? [header.name, renderTemplate(header.value, values)];
  }
  return pairs;
}

async function runSteps(user: FlowUser, steps: readonly PreparedStep[]): Promise<boolean> {
  for (const prepared of steps) {
    if (prepared.kind === 'think') {
      await user.sleep(pickThinkMs(prepared));
      continue;
    }
    const { step, keep } = prepared;
    const values = user.values;
    const exchange = await user.exchange({
      name: step.name,
      method: step.method,
      path: renderTemplate(step.path, values),
      headers: renderHeaders(prepared, values),
      body: step.body === undefined ? undefined : renderTemplate(step.body, values),
      checks: step.checks,
      captures: step.captures,
      redirects: step.redirects,
      keep,
    });
    if (exchange.captureFailed) return false;
  }
  return true;
}
