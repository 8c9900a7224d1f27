import { renderTemplate } from './template.js';
import type { CompiledFlows, CompiledStep } from './compile-flows.js';
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
      headers: step.headers.map((header) => [header.name, renderTemplate(header.value, values)] as const),
      body: step.body === undefined ? undefined : renderTemplate(step.body, values),
      checks: step.checks,
      captures: step.captures,
      redirects: step.redirects,
    });
    if (exchange.captureFailed) return false;
  }
  return true;
}
