import type { RunSettings } from '../config/run-settings.js';
import type { ScenarioInput } from '../config/scenario-schema.js';
import { basePathOf } from '../config/target-url.js';

const milliseconds = (value: number) => `${value}ms`;

/**
 * The target and requests as a scenario says them: request paths relative to the target's base path
 * (resolving joins them again), and no requests when the one request is the target URL itself (its
 * Basic credentials, which settings keep as a header, then go back into the URL).
 */
function targetAndRequests(settings: RunSettings): { target: string; requests: RunSettings['requests'] | undefined } {
  if (settings.target === 'demo') return { target: settings.target, requests: settings.requestsFromTarget ? undefined : settings.requests };
  const url = new URL(settings.target);
  if (settings.requestsFromTarget) {
    const basic = /^Basic (.+)$/.exec(settings.requests[0]?.headers.authorization ?? '');
    if (basic) {
      const [user, ...password] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      url.username = encodeURIComponent(user!);
      url.password = encodeURIComponent(password.join(':'));
      return { target: url.href, requests: undefined };
    }
    return { target: settings.target, requests: undefined };
  }
  const base = basePathOf(url);
  return { target: settings.target, requests: settings.requests.map((request) => ({ ...request, path: request.path.slice(base.length) })) };
}

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
    ...(settings.sliceDurationMs !== undefined ? { sliceDuration: milliseconds(settings.sliceDurationMs) } : {}),
    timeout: milliseconds(settings.timeoutMs),
    ...(settings.warmUpMs > 0 ? { warmUp: milliseconds(settings.warmUpMs) } : {}),
  };
  if (settings.model === 'closed') load.spawnRate = settings.spawnRate;
  if (settings.workers !== undefined) load.workers = settings.workers;
  if (settings.maxInFlight !== undefined) load.maxInFlight = settings.maxInFlight;
  const { target, requests } = targetAndRequests(settings);
  return {
    name: settings.name,
    target,
    requests: requests?.map((request) => ({
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
    // The stack seals the same secrets as this machine: its plan and report show what the CLI showed.
    ...(settings.secretHeaders ? { secretHeaders: settings.secretHeaders } : {}),
    ...(settings.secretQuery ? { secretQuery: settings.secretQuery } : {}),
  };
}
