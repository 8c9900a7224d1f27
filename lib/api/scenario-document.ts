import type { RunSettings } from '../config/run-settings.js';
import type { ScenarioInput } from '../config/scenario-schema.js';

const milliseconds = (value: number) => `${value}ms`;

/**
 * Resolved settings written back as a scenario document: what the CLI sends as the POST /runs body
 * after merging a scenario file with its flags. Resolving the document again gives the same
 * settings (a test holds this), so the API plans exactly what the CLI showed.
 */
export function scenarioDocumentOf(settings: RunSettings): ScenarioInput {
  const load: NonNullable<ScenarioInput['load']> = {
    model: settings.model,
    steps: settings.levels,
    stepDuration: milliseconds(settings.stepDurationMs),
    sliceDuration: milliseconds(settings.sliceDurationMs),
    timeout: milliseconds(settings.timeoutMs),
  };
  if (settings.model === 'closed') load.spawnRate = settings.spawnRate;
  if (settings.workers !== undefined) load.workers = settings.workers;
  if (settings.maxInFlight !== undefined) load.maxInFlight = settings.maxInFlight;
  return {
    name: settings.name,
    target: settings.target,
    requests: settings.requests.map((request) => ({
      name: request.name,
      method: request.method,
      path: request.path,
      headers: request.headers,
      weight: request.weight,
      ...(request.body !== undefined ? { body: request.body } : {}),
      ...(request.json !== undefined ? { json: request.json } : {}),
      ...(request.expect !== undefined ? { expect: request.expect } : {}),
    })),
    thinkTime: { min: milliseconds(settings.thinkTime.minMs), max: milliseconds(settings.thinkTime.maxMs) },
    load,
    ...(settings.slo !== undefined ? { slo: settings.slo } : {}),
    thresholds: settings.thresholds,
  };
}
