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

/**
 * The plan a worker runs: every marker in its settings back to its secret, whatever field it is in
 * (request headers, paths and bodies, the target; values flows read with `${env:NAME}`). What the
 * worker then writes or reports is hidden again (Redactor.hideIn), since names and messages may
 * be made from these fields.
 */
export function unsealPlan(plan: RunPlan, secrets: RunSecrets): RunPlan {
  const redactor = redactorOf(secrets);
  return redactor.isEmpty ? plan : { ...plan, settings: redactor.restore(plan.settings) };
}
