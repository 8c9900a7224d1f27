import type { RunSettings } from '../config/run-settings.js';
import type { ScenarioInput } from '../config/scenario-schema.js';
import { basePathOf } from '../config/target-url.js';
import { flowDocumentOf } from '../flow/flow-document.js';

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

function definedFields<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

/** Flows or a scenario module, with the data rows and environment values inline: all the stack gets. */
function userFields(settings: RunSettings): Partial<ScenarioInput> {
  const dataSets = settings.flows?.dataSets ?? settings.module?.dataSets;
  const data =
    dataSets && Object.keys(dataSets).length > 0
      ? Object.fromEntries(Object.values(dataSets).map((set) => [set.name, { file: set.file, pick: set.pick, columns: set.columns, rows: set.rows }]))
      : undefined;
  if (settings.flows) {
    const { data: _files, ...flows } = flowDocumentOf(settings.flows.scenario);
    return { ...flows, ...(data ? { data } : {}), environment: settings.flows.env };
  }
  if (settings.module) {
    const { code, file, flows, onStart } = settings.module;
    return { module: { code, file, flows, onStart }, ...(data ? { data } : {}) };
  }
  return {};
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
  const userDriven = settings.flows !== undefined || settings.module !== undefined;
  return {
    name: settings.name,
    target,
    ...userFields(settings),
    requests: userDriven ? undefined : requests?.map((request) => ({
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
    ...(settings.tls ? { tls: definedFields(settings.tls) } : {}),
    load,
    ...(settings.slo !== undefined ? { slo: settings.slo } : {}),
    thresholds: settings.thresholds,
    // The stack seals the same secrets as this machine: its plan and report show what the CLI showed.
    ...(settings.secretHeaders ? { secretHeaders: settings.secretHeaders } : {}),
    ...(settings.secretQuery ? { secretQuery: settings.secretQuery } : {}),
  };
}
