import type { ScenarioInput } from '../config/scenario-schema.js';
import { isThinkStep, type FlowScenario, type FlowStep } from './flow-schema.js';

const milliseconds = (value: number) => `${value}ms`;

/**
 * A validated scenario's flow fields written back as a scenario document, as scenarioDocumentOf
 * does for the rest: parsing the document again gives the same fields (a test holds this). That
 * is how flows travel to a worker: the document, validated and compiled again there.
 */
export function flowDocumentOf(scenario: FlowScenario): Pick<ScenarioInput, 'variables' | 'data' | 'onStart' | 'flows'> {
  return {
    ...(scenario.variables !== undefined ? { variables: scenario.variables } : {}),
    ...(scenario.data !== undefined ? { data: scenario.data } : {}),
    ...(scenario.onStart !== undefined ? { onStart: scenario.onStart.map(stepDocumentOf) } : {}),
    flows: scenario.flows.map((flow) => ({ name: flow.name, weight: flow.weight, steps: flow.steps.map(stepDocumentOf) })),
  };
}

function stepDocumentOf(step: FlowStep): unknown {
  if (isThinkStep(step)) return { think: { min: milliseconds(step.think.minMs), max: milliseconds(step.think.maxMs) } };
  if (step.expect?.maxDuration === undefined) return step;
  return { ...step, expect: { ...step.expect, maxDuration: milliseconds(step.expect.maxDuration) } };
}
