import type { RunSettings } from '../config/run-settings.js';
import type { RunPlan } from '../plan/run-plan.js';
import { collectSecrets, redactorOf, SecretCollector, type RunSecrets } from './collect-secrets.js';
import type { Redactor } from './redactor.js';

/** Settings with every secret replaced by its marker, and the secrets apart. */
export interface SealedSettings {
  settings: RunSettings;
  secrets: RunSecrets;
  redactor: Redactor;
}

/**
 * The one place a run's secrets are taken out of its settings: what is planned, stored, shown and
 * reported from then on carries markers; only a worker puts the values back (`unsealPlan`).
 */
export function sealSettings(settings: RunSettings, collector = new SecretCollector()): SealedSettings {
  const secrets = collectSecrets(settings, collector);
  const redactor = redactorOf(secrets);
  return { settings: redactor.seal(settings), secrets, redactor };
}

/** The plan a worker runs: the fields it sends with their secrets back in; names and the rest stay sealed. */
export function unsealPlan(plan: RunPlan, secrets: RunSecrets): RunPlan {
  const redactor = redactorOf(secrets);
  if (redactor.isEmpty) return plan;
  const settings = plan.settings;
  return {
    ...plan,
    settings: {
      ...settings,
      target: redactor.restore(settings.target),
      requests: settings.requests.map((request) => ({
        ...request,
        path: redactor.restore(request.path),
        headers: redactor.restore(request.headers),
        ...(request.body !== undefined ? { body: redactor.restore(request.body) } : {}),
        ...(request.json !== undefined ? { json: redactor.restore(request.json) } : {}),
      })),
    },
  };
}
