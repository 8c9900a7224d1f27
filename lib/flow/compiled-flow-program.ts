import { renderTemplate } from './template.js';
import { KEEP_BODY, KEEP_HEAD } from '../engine/response-parser.js';
import type { CompiledFlows, CompiledRequestStep, CompiledStep } from './compile-flows.js';
import type { FlowProgram, FlowUser } from './flow-user.js';

/**
 * Flows from a scenario file, as a user runs them: each request step rendered from its templates
 * with the user's values, sent, checked and captured; think steps pause the user. A capture that
 * finds nothing ends the iteration (the step is already counted as an error of type `capture`).
 */
export function compiledFlowProgram(compiled: CompiledFlows): FlowProgram {
  const flows = compiled.flows.map((flow) => ({ name: flow.name, run: (user: FlowUser) => runSteps(user, flow.steps) }));
  const cumulative: number[] = [];
  let total = 0;
  for (const flow of compiled.flows) cumulative.push((total += flow.weight));
  const onStart = compiled.onStart;
  return {
    ...(onStart.length > 0 ? { onStart: (user: FlowUser) => runSteps(user, onStart) } : {}),
    pick() {
      if (flows.length === 1) return flows[0]!;
      const point = Math.random() * total;
      for (let index = 0; index < flows.length - 1; index++) if (point < cumulative[index]!) return flows[index]!;
      return flows[flows.length - 1]!;
    },
  };
}

/** A step's headers as sent: those fixed at load time are one shared pair, rendered once. */
const staticPairs = new WeakMap<CompiledRequestStep, Array<readonly [string, string] | undefined>>();
function renderHeaders(step: CompiledRequestStep, values: unknown[]): Array<readonly [string, string]> {
  let fixed = staticPairs.get(step);
  if (!fixed) staticPairs.set(step, (fixed = step.headers.map((header) => (header.value.static ? ([header.name, header.value.value] as const) : undefined))));
  const pairs: Array<readonly [string, string]> = new Array(step.headers.length);
  for (let index = 0; index < pairs.length; index++) {
    const header = step.headers[index]!;
    pairs[index] = fixed[index] ?? [header.name, renderTemplate(header.value, values)];
  }
  return pairs;
}

/** What of a step's response its checks and captures read (cookies and redirects are always read). */
const keeps = new WeakMap<CompiledRequestStep, number>();
function keepOf(step: CompiledRequestStep): number {
  let keep = keeps.get(step);
  if (keep === undefined) {
    const body = step.checks.some((check) => check.kind !== 'status' && check.kind !== 'maxDuration') || step.captures.some((capture) => capture.from === 'json' || capture.from === 'regex');
    const head = step.captures.some((capture) => capture.from === 'header');
    keeps.set(step, (keep = (body ? KEEP_BODY : 0) | (head ? KEEP_HEAD : 0)));
  }
  return keep;
}

async function runSteps(user: FlowUser, steps: readonly CompiledStep[]): Promise<boolean> {
  for (const step of steps) {
    if (step.kind === 'think') {
      await user.sleep(step.minMs === step.maxMs ? step.minMs : step.minMs + Math.random() * (step.maxMs - step.minMs));
      continue;
    }
    const values = user.values;
    const exchange = await user.exchange({
      name: step.name,
      method: step.method,
      path: renderTemplate(step.path, values),
      headers: renderHeaders(step, values),
      body: step.body === undefined ? undefined : renderTemplate(step.body, values),
      checks: step.checks,
      captures: step.captures,
      redirects: step.redirects,
      keep: keepOf(step),
    });
    if (exchange.captureFailed) return false;
  }
  return true;
}
